/**
 * The D-Bus face of the project's one timeout + abort race (reconciler/deadline.ts): dbus-next has no
 * per-call timeout and a dead bus leaves its promises pending forever, so every call goes through
 * here. This module only names the errors a D-Bus call loses with; the racing lives in the shared
 * helper.
 */
import { type TimerClock, withDeadline } from '../../reconciler/deadline.js';
import { DBusAbortedError, DBusTimeoutError } from './errors.js';

/** Timers plus the time (the reconnect backoff and the tests need both). */
export interface Clock extends TimerClock {
  now(): number;
}

export const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface CallDeadline {
  /** `interface.member`, named in the errors. */
  readonly method: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly clock?: TimerClock;
  /** Runs once when the deadline or the abort wins (e.g. to drop the pending-reply handler). */
  readonly cleanup?: () => void;
}

/**
 * Settles `work` within `timeoutMs`: a {@link DBusTimeoutError} when the deadline passes first, a
 * {@link DBusAbortedError} when the signal aborts first; the work's own result or error otherwise.
 */
export function withCallDeadline<T>(work: Promise<T>, d: CallDeadline): Promise<T> {
  // The shared race observes the work only once it started racing; a signal that is already
  // aborted ends the race before that, and the abandoned work must not reject unhandled.
  work.catch(() => undefined);
  return withDeadline(work, {
    timeoutMs: d.timeoutMs,
    signal: d.signal,
    clock: d.clock,
    onTimeout: () => new DBusTimeoutError(d.method, d.timeoutMs),
    onAbort: () => new DBusAbortedError(d.method),
    cleanup: d.cleanup,
  });
}
