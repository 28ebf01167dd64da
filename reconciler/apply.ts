/**
 * Carrying out a plan: each step runs when every step in its `after` list has succeeded; independent
 * steps run concurrently up to a limit. Every configurator call gets an AbortSignal and a timeout; a
 * call that ignores its signal is abandoned at the timeout (counted as failed) so nothing hangs.
 * A failed step skips every step that waits on it, transitively.
 */
import type { Clock, Configurator, Configurators, Item, OpLogEntry, Plan, PlanStep } from './api.js';
import { PermanentError, systemClock } from './api.js';
import { withDeadline } from './deadline.js';
import { errorText } from './errors.js';
import type { Graph, GraphEditor, GraphNode } from './graph.js';
import { adoptCreated, editGraph } from './graph.js';
import { MinHeap } from './heap.js';
import { formatRef, keyOf } from './item.js';
import { linksOf, type StepLinks } from './plan.js';

export interface ApplyOptions {
  readonly configurators: Configurators;
  /** How many configurator calls may run at once (default 8). */
  readonly concurrency?: number;
  /** Per-call timeout when the configurator sets none (default 30 s). */
  readonly defaultTimeoutMs?: number;
  /** Aborting it cancels running calls (through their signals) and starts no new step. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Attempt number to pass to configurators, per item key (default 1). */
  readonly attemptOf?: (key: string) => number;
  /** Live progress, e.g. for the visualizer. */
  readonly onEvent?: (e: ApplyEvent) => void;
}

export type ApplyEvent =
  | { readonly type: 'step-started'; readonly step: PlanStep; readonly at: number }
  | {
      readonly type: 'step-finished';
      readonly step: PlanStep;
      readonly outcome: StepOutcome;
      readonly at: number;
    };

export interface StepOutcome {
  readonly ok: boolean;
  readonly error?: string;
  readonly permanent?: boolean;
  /** Not run: a step it waits for failed, or the apply was cancelled. */
  readonly skipped?: boolean;
  readonly timedOut?: boolean;
}

/** A change to the current graph that a successful step implies. */
export type CurrentEdit =
  | { readonly kind: 'put'; readonly item: Item; readonly node: GraphNode }
  | { readonly kind: 'delete'; readonly item: Item };

export interface ApplyResult {
  /** The input current graph with the effects of every successful step. */
  readonly current: Graph;
  /** The same effects as edits, in completion order, to replay onto a newer current graph. */
  readonly edits: readonly CurrentEdit[];
  readonly outcomes: ReadonlyMap<string, StepOutcome>;
  readonly log: readonly OpLogEntry[];
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

const OK: StepOutcome = Object.freeze({ ok: true });

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Replays edits onto a graph (used by the controller to merge an apply into a newer current graph). */
export function applyEdits(g: Graph, edits: readonly CurrentEdit[]): Graph {
  if (edits.length === 0) return g;
  return editGraph(g, (e: GraphEditor) => {
    for (const ed of edits) {
      if (ed.kind === 'put') e.put(ed.item, { path: ed.node.path, observed: false });
      else e.delete(ed.item);
    }
  });
}

export async function apply(
  plan: Plan,
  current: Graph,
  desired: Graph,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const clock = opts.clock ?? systemClock;
  const limit = Math.max(1, opts.concurrency ?? 8);
  const steps = plan.steps;
  // Steps by index (a plan may have many thousands): plan() hands over its links by index; a plan
  // built by hand has its ids looked up once.
  const links = linksOf(plan) ?? linksByIds(steps);
  const n = steps.length;
  const waiting = new Int32Array(n);
  // The steps that wait for step j: dependentOf[dependentAt[j] .. dependentAt[j+1]-1], the reverse of
  // the plan's links, in flat arrays (count, place, fill) rather than an array per step.
  const dependentAt = new Int32Array(n + 1);
  for (let x = 0; x < links.index.length; x++) dependentAt[links.index[x]! + 1]!++;
  for (let j = 0; j < n; j++) dependentAt[j + 1]! += dependentAt[j]!;
  const dependentOf = new Int32Array(links.index.length);
  const fill = dependentAt.slice(0, n);
  for (let i = 0; i < n; i++) {
    waiting[i] = links.start[i + 1]! - links.start[i]!;
    for (let x = links.start[i]!; x < links.start[i + 1]!; x++) dependentOf[fill[links.index[x]!]!++] = i;
  }
  const outcomes = new Map<string, StepOutcome>();
  const edits: CurrentEdit[] = [];
  const log: OpLogEntry[] = [];
  const ready = new MinHeap<number>((a, b) => a < b);
  for (let i = 0; i < n; i++) if (steps[i]!.after.length === 0) ready.push(i);
  let running = 0;
  let finished = 0;
  let succeeded = 0;
  let failed = 0;
  let skipped = 0;
  let onlyPuts = true;

  return new Promise<ApplyResult>((resolve, reject) => {
    const finishIfDone = () => {
      if (finished < n || running > 0) return;
      // Everything desired was created from nothing (a start): the new current graph is the desired one.
      const adopted =
        failed === 0 && skipped === 0 && onlyPuts ? adoptCreated(current, desired, edits.length) : undefined;
      resolve({
        current: adopted ?? applyEdits(current, edits),
        edits,
        outcomes,
        log,
        succeeded,
        failed,
        skipped,
      });
    };

    const skip = (index: number, why: string) => {
      const todo = [{ i: index, why }];
      while (todo.length > 0) {
        const x = todo.pop()!;
        const s = steps[x.i]!;
        if (outcomes.has(s.id)) continue;
        outcomes.set(s.id, { ok: false, skipped: true, error: x.why });
        const at = clock.now();
        log.push({ ...logEntry(s, at, at, x.why), skipped: true });
        finished++;
        skipped++;
        for (let y = dependentAt[x.i]!; y < dependentAt[x.i + 1]!; y++)
          todo.push({ i: dependentOf[y]!, why: `skipped: ${s.id} did not succeed` });
      }
    };

    const onDone = (i: number, s: PlanStep, outcome: StepOutcome) => {
      outcomes.set(s.id, outcome);
      finished++;
      if (outcome.ok) succeeded++;
      else failed++;
      opts.onEvent?.({ type: 'step-finished', step: s, outcome, at: clock.now() });
      for (let y = dependentAt[i]!; y < dependentAt[i + 1]!; y++) {
        const d = dependentOf[y]!;
        if (!outcome.ok) skip(d, `skipped: ${s.id} failed`);
        else if (--waiting[d]! === 0) ready.push(d);
      }
    };

    // Synchronous configurators complete inside this loop (no recursion, no promise per step);
    // asynchronous ones re-enter it when they settle.
    const pump = () => {
      while (running < limit && ready.size > 0) {
        const i = ready.pop()!;
        const s = steps[i]!;
        if (outcomes.has(s.id)) continue;
        if (opts.signal?.aborted) {
          skip(i, 'cancelled');
          continue;
        }
        running++;
        const r = runStep(s);
        if (r instanceof Promise) {
          // A throw in our own bookkeeping after an await (e.g. an event listener) must reach the
          // caller as a rejection, not vanish as an unhandled one and leave the apply hanging.
          r.then((outcome) => {
            running--;
            onDone(i, s, outcome);
            pump();
          }).catch(reject);
        } else {
          running--;
          onDone(i, s, r);
        }
      }
      finishIfDone();
    };

    const record = (
      s: PlanStep,
      startedAt: number,
      outcome: StepOutcome,
      cur?: GraphNode,
      want?: GraphNode,
    ) => {
      if (outcome.ok) {
        if (s.op === 'delete' || s.phase === 'delete') {
          if (cur) {
            edits.push({ kind: 'delete', item: cur.item });
            onlyPuts = false;
          }
        } else if (want) {
          edits.push({ kind: 'put', item: want.item, node: want });
        }
      }
      log.push(logEntry(s, startedAt, clock.now(), outcome.ok ? undefined : (outcome.error ?? 'failed')));
      return outcome;
    };

    const runStep = (s: PlanStep): StepOutcome | Promise<StepOutcome> => {
      const startedAt = clock.now();
      opts.onEvent?.({ type: 'step-started', step: s, at: startedAt });
      const k = keyOf(s.ref);
      const conf = opts.configurators[s.ref.type] as Configurator | undefined;
      const cur = current.nodes.get(k);
      const want = desired.nodes.get(k);
      if (!conf) {
        const o = { ok: false, permanent: true, error: `no configurator for item type ${s.ref.type}` };
        return record(s, startedAt, o, cur, want);
      }
      const ctx = new LazyOpContext(s, opts.attemptOf?.(k) ?? 1, opts.signal);
      const isDelete = s.op === 'delete' || s.phase === 'delete';
      let result: unknown;
      try {
        if (isDelete) result = cur ? conf.delete(cur.item, ctx) : undefined;
        else if (s.op === 'modify') result = conf.modify(cur!.item, want!.item, ctx);
        else result = conf.create(want!.item, ctx);
      } catch (err) {
        return record(s, startedAt, failure(err), cur, want);
      }
      if (!(result instanceof Promise)) return record(s, startedAt, OK, cur, want);
      // withDeadline does not subscribe to work it never waits for (signal already aborted): its late
      // rejection must not surface as an unhandled one.
      result.catch(() => {});

      const timeoutMs = conf.timeoutMs ?? opts.defaultTimeoutMs ?? 30_000;
      const a = ctx.controller();
      // The configurator's own signal must say why it lost (timeout or cancellation), so the error
      // factories also abort it: the call can stop its I/O while we move on.
      return withDeadline(result, {
        timeoutMs,
        signal: opts.signal,
        clock,
        onTimeout: () => {
          const e = new TimeoutError(`${s.op} ${formatRef(s.ref)} timed out after ${timeoutMs} ms`);
          a.abort(e);
          return e;
        },
        onAbort: (reason) => {
          const e =
            reason instanceof Error ? reason : new Error(reason === undefined ? 'cancelled' : String(reason));
          a.abort(e);
          return e;
        },
      }).then(
        () => record(s, startedAt, OK, cur, want),
        (err: unknown) => record(s, startedAt, failure(err), cur, want),
      );
    };

    pump();
  });
}

/** The index form of a hand-built plan's `after` lists (an unknown id fails the plan loudly). */
function linksByIds(steps: readonly PlanStep[]): StepLinks {
  const indexOf = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) indexOf.set(steps[i]!.id, i);
  const start = new Int32Array(steps.length + 1);
  const index: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    start[i] = index.length;
    for (const a of steps[i]!.after) {
      const j = indexOf.get(a);
      if (j === undefined) throw new Error(`step ${steps[i]!.id} waits for unknown step ${a}`);
      index.push(j);
    }
  }
  start[steps.length] = index.length;
  return { start, index: Int32Array.from(index) };
}

/** The OpContext of one call; its AbortController is made on first use: most synchronous calls never ask. */
class LazyOpContext {
  private ac: AbortController | undefined;
  constructor(
    readonly step: PlanStep,
    readonly attempt: number,
    private readonly parent: AbortSignal | undefined,
  ) {}
  get signal(): AbortSignal {
    return this.controller().signal;
  }
  controller(): AbortController {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.parent?.aborted) this.ac.abort(this.parent.reason);
    }
    return this.ac;
  }
}

function failure(err: unknown): StepOutcome {
  return {
    ok: false,
    error: errorText(err),
    ...(isPermanent(err) ? { permanent: true } : {}),
    ...(err instanceof TimeoutError ? { timedOut: true } : {}),
  };
}

/** One log entry, built as a single literal: this runs once per step, spreads cost here. */
function logEntry(s: PlanStep, startedAt: number, endedAt: number, error: string | undefined): OpLogEntry {
  const e: {
    stepId: string;
    op: PlanStep['op'];
    phase?: 'delete' | 'create';
    ref: PlanStep['ref'];
    reason: PlanStep['reason'];
    startedAt: number;
    endedAt: number;
    error?: string;
  } = { stepId: s.id, op: s.op, ref: s.ref, reason: s.reason, startedAt, endedAt };
  if (s.phase) e.phase = s.phase;
  if (error !== undefined) e.error = error;
  return e;
}

function isPermanent(err: unknown): boolean {
  return (
    err instanceof PermanentError ||
    (typeof err === 'object' && err !== null && 'permanent' in err && err.permanent === true)
  );
}

export { errorText };
