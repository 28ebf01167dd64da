/**
 * Retry bookkeeping: after an apply, each item's status says whether it is created, failed (with the
 * error, the attempt count and when it may be tried again) or pending (and why). Failed items back off
 * exponentially with jitter; a permanent error waits for a new spec; a new spec resets the backoff.
 */
import type { Item, ItemStatus, Plan } from './api.js';
import type { ApplyResult } from './apply.js';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.js';
import type { Graph } from './graph.js';
import { contentKey, keyOf } from './item.js';

export { type BackoffPolicy, backoffDelay, defaultBackoff };

export interface StatusUpdate {
  readonly now: number;
  readonly policy?: BackoffPolicy;
  readonly random?: () => number;
}

/**
 * The status of an item that failed: its attempts grow while the desired spec stays the same (a new
 * spec starts over), and it may be tried again after the backoff, unless the failure is permanent.
 */
function failedAgain(
  before: ItemStatus | undefined,
  want: Item | undefined,
  error: string,
  permanent: boolean,
  now: number,
  policy: BackoffPolicy,
  random: (() => number) | undefined,
): ItemStatus {
  const specKey = want ? contentKey(want) : 'absent';
  const attempts = (before?.state === 'failed' && before.failedSpecKey === specKey ? before.attempts : 0) + 1;
  return {
    state: 'failed',
    lastError: error,
    attempts,
    failedSpecKey: specKey,
    updatedAt: now,
    ...(permanent ? { permanent: true } : { nextAttemptAt: now + backoffDelay(attempts, policy, random) }),
  };
}

/** The statuses after `plan` was applied with `result` (pass no result for a plan with no steps). */
export function nextStatuses(
  prev: ReadonlyMap<string, ItemStatus>,
  plan: Plan,
  result: ApplyResult | undefined,
  current: Graph,
  desired: Graph,
  u: StatusUpdate,
): Map<string, ItemStatus> {
  const policy = u.policy ?? { ...defaultBackoff };
  const out = new Map(prev);
  const now = u.now;
  for (const step of plan.steps) {
    const k = keyOf(step.ref);
    const o = result?.outcomes.get(step.id);
    if (!o) continue;
    const before = out.get(k);
    const want = desired.nodes.get(k)?.item;
    if (o.ok) {
      // Success needs no record: an item in the current graph without a status is created.
      if (step.phase === 'delete') {
        out.set(k, {
          state: 'in-progress',
          lastOp: step.op,
          attempts: before?.attempts ?? 0,
          updatedAt: now,
        });
      } else out.delete(k);
    } else if (o.skipped) {
      out.set(k, {
        ...(before ?? { attempts: 0 }),
        state: before?.state === 'failed' ? 'failed' : 'pending',
        pendingReason: o.error ?? 'skipped',
        updatedAt: now,
      });
    } else {
      out.set(k, {
        ...failedAgain(before, want, o.error ?? 'failed', o.permanent === true, now, policy, u.random),
        lastOp: step.op,
      });
    }
  }
  // A hook that threw while planning is the item's failure, backed off like a failed step (the
  // planner defers the item, and so does not call the hook, until the retry is due).
  for (const h of plan.hookErrors) {
    const k = keyOf(h.ref);
    const before = out.get(k);
    out.set(k, failedAgain(before, desired.nodes.get(k)?.item, h.detail, false, now, policy, u.random));
  }
  for (const p of plan.pending) {
    const k = keyOf(p.ref);
    const before = out.get(k);
    if (before?.state === 'failed') continue;
    out.set(k, {
      state: 'pending',
      attempts: 0,
      pendingReason: `waiting for ${p.waitingFor.type}/${p.waitingFor.name}: ${p.detail}`,
      updatedAt: before?.pendingReason === undefined ? now : before.updatedAt,
    });
  }
  // Only failed, pending and in-progress items have a status; forget the rest.
  const pendingKeys = new Set(plan.pending.map((p) => keyOf(p.ref)));
  const hookKeys = new Set(plan.hookErrors.map((h) => keyOf(h.ref)));
  for (const [k, st] of out) {
    const d = desired.nodes.get(k);
    const c = current.nodes.get(k);
    if (!d && !c) out.delete(k);
    else if (st.state === 'pending' && !pendingKeys.has(k)) out.delete(k);
    else if (st.state === 'in-progress' && !result) out.delete(k);
    else if (
      st.state === 'failed' &&
      !hookKeys.has(k) &&
      d &&
      c &&
      !d.item.external &&
      contentKey(c.item) === contentKey(d.item)
    )
      // In sync after all (the spec went back, or the system got there on its own): nothing failed.
      out.delete(k);
  }
  return out;
}

/**
 * The earliest time a failed, non-permanent item may be retried, if any. Pass `after` = the time the
 * last plan was made: a retry due by then was already looked at (the item may be pending, or in sync
 * again), and waking for it again would spin the loop.
 */
export function nextRetryAt(statuses: ReadonlyMap<string, ItemStatus>, after?: number): number | undefined {
  let t: number | undefined;
  for (const st of statuses.values()) {
    if (
      st.state === 'failed' &&
      !st.permanent &&
      st.nextAttemptAt !== undefined &&
      (after === undefined || st.nextAttemptAt > after)
    ) {
      if (t === undefined || st.nextAttemptAt < t) t = st.nextAttemptAt;
    }
  }
  return t;
}
