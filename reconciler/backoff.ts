/**
 * The one backoff of the project: exponential growth with jitter, capped. The reconciler's item
 * retries, the D-Bus reconnect, the netlink resync, the agent's bus connect and the output retries
 * all schedule through it, so every retry loop grows, caps and spreads the same way.
 */

export interface BackoffPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** Growth per further failure. */
  readonly factor: number;
  /** Upper bound of the delay (before jitter). */
  readonly maxMs: number;
  /** Relative spread: the delay is multiplied by a factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 5 * 60_000, jitter: 0.2 };

/** The delay before attempt `failures + 1`, given `failures` consecutive failures (>= 1). */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, failures - 1));
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(raw * spread);
}

/**
 * A retry loop's state: `next()` after each failure gives the delay before the next attempt (and
 * counts the failure); `reset()` after a success starts over.
 */
export class Backoff {
  private count = 0;

  constructor(
    readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Counts one more failure and returns the delay before the next attempt. */
  next(): number {
    this.count++;
    return backoffDelay(this.count, this.policy, this.random);
  }

  reset(): void {
    this.count = 0;
  }

  /** Consecutive failures since the last reset. */
  get failures(): number {
    return this.count;
  }
}
