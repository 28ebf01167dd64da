/**
 * Records every method call the simulator receives, so e2e tests can assert what an agent did
 * ("zero calls", "only modem A was touched").
 */
import { performance } from 'node:perf_hooks';
import { unwrap } from './wire.js';

export interface RecordedCall {
  /** Milliseconds since the epoch when the call arrived. */
  readonly time: number;
  /**
   * When the call arrived on this process's monotonic clock (`performance.now()`, sub-millisecond):
   * latencies against an event the same process caused, which `time` is too coarse for.
   */
  readonly at: number;
  readonly sender: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature: string;
  /** Arguments with Variants unwrapped (64-bit values stay BigInt). */
  readonly args: readonly unknown[];
}

export interface CallFilter {
  readonly path?: string;
  /** Matches the path itself and everything below it. */
  readonly pathPrefix?: string;
  readonly interface?: string;
  readonly member?: string;
  /** Only calls recorded at or after this time (see `mark()`). */
  readonly since?: number;
}

/** Members that only read: everything else counts as state-changing. */
export const READ_ONLY_MEMBERS: ReadonlySet<string> = new Set([
  'Get',
  'GetAll',
  'GetManagedObjects',
  'Introspect',
  'GetStatus',
  'List',
  'ListBearers',
  'GetLocation',
  'Ping',
  'GetMachineId',
]);

export function isStateChanging(call: Pick<RecordedCall, 'member'>): boolean {
  return !READ_ONLY_MEMBERS.has(call.member);
}

function matches(c: RecordedCall, f: CallFilter): boolean {
  if (f.path !== undefined && c.path !== f.path) return false;
  if (f.pathPrefix !== undefined && c.path !== f.pathPrefix && !c.path.startsWith(`${f.pathPrefix}/`))
    return false;
  if (f.interface !== undefined && c.interface !== f.interface) return false;
  if (f.member !== undefined && c.member !== f.member) return false;
  if (f.since !== undefined && c.time < f.since) return false;
  return true;
}

export class CallRecorder {
  readonly #calls: RecordedCall[] = [];
  readonly #listeners = new Set<(call: RecordedCall) => void>();

  record(msg: {
    sender?: string;
    path?: string;
    interface?: string;
    member?: string;
    signature?: string;
    body?: unknown[];
  }): void {
    const call: RecordedCall = {
      time: Date.now(),
      at: performance.now(),
      sender: msg.sender ?? '',
      path: msg.path ?? '',
      interface: msg.interface ?? '',
      member: msg.member ?? '',
      signature: msg.signature ?? '',
      args: (msg.body ?? []).map(unwrap),
    };
    this.#calls.push(call);
    for (const l of this.#listeners) l(call);
  }

  /**
   * Calls `listener` with every call as it is recorded (before it is answered), so a bench can time
   * a reaction without polling; returns the function that stops it.
   */
  onCall(listener: (call: RecordedCall) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A timestamp to pass as `since`; calls arriving from now on match. */
  mark(): number {
    return Date.now();
  }

  calls(filter: CallFilter = {}): RecordedCall[] {
    return this.#calls.filter((c) => matches(c, filter));
  }

  stateChangingCalls(filter: CallFilter = {}): RecordedCall[] {
    return this.calls(filter).filter(isStateChanging);
  }

  countStateChanging(filter: CallFilter = {}): number {
    return this.stateChangingCalls(filter).length;
  }

  /** Distinct object paths that received a state-changing call. */
  touchedPaths(filter: CallFilter = {}): string[] {
    return [...new Set(this.stateChangingCalls(filter).map((c) => c.path))].sort();
  }

  clear(): void {
    this.#calls.length = 0;
  }
}
