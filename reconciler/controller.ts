/**
 * The controller loop, level-triggered like a Kubernetes controller: triggers (desired state changed,
 * an observation changed, a retry is due) only say "look again"; every run plans from the whole desired
 * and current state. Triggers are coalesced with their reasons; one run at a time; the next run is
 * scheduled at the earliest retry time. The controller is the single writer of both graphs, so callers
 * never pause their watchers: observations that arrive during a run are folded in and trigger a new one.
 *
 * A run never rejects: a hook that throws is that item's failure (Plan.hookErrors → a failed status),
 * and anything else that throws in a run is logged, recorded in the run history and retried on the
 * shared backoff, while the loop keeps answering triggers. Managed items that observations keep
 * knocking out of sync are flap-damped (damping.ts).
 */
import type { Clock, Configurators, ItemStatus, OpLogEntry, Plan, PlanStep, Predicates } from './api.js';
import { systemClock } from './api.js';
import { type ApplyEvent, type ApplyResult, apply, applyEdits } from './apply.js';
import { Backoff } from './backoff.js';
import { type DampingInfo, type DampingOptions, FlapDamper } from './damping.js';
import { errorText } from './errors.js';
import type { ClusterPath, Graph, GraphEditor } from './graph.js';
import { editGraph, emptyGraph } from './graph.js';
import { formatRef, keyOf } from './item.js';
import { type Hold, plan as makePlan } from './plan.js';
import { type BackoffPolicy, defaultBackoff, nextRetryAt, nextStatuses } from './retry.js';

/** A pino-compatible logger subset. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ControllerOptions {
  readonly name: string;
  readonly configurators: Configurators;
  readonly predicates?: Predicates;
  readonly clock?: Clock;
  /** Source of jitter for backoff (default Math.random); inject for deterministic tests. */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  readonly concurrency?: number;
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
  /** How many past runs `history()` keeps (default 100). */
  readonly historyLimit?: number;
  /**
   * Flap damping of items that observations keep knocking out of sync (default on: 3 drifts in 60 s
   * are repaired at once, then each repair waits 1 s, 2 s, 4 s … up to 5 min). `false` turns it off.
   */
  readonly damping?: DampingOptions | false;
}

/** The record of one reconcile run. */
export interface RunRecord {
  readonly id: number;
  readonly reasons: readonly string[];
  readonly startedAt: number;
  readonly endedAt: number;
  readonly plan: Plan;
  readonly log: readonly OpLogEntry[];
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Set when the run broke on an unexpected error (a bug, not an item failure); it is retried. */
  readonly error?: string;
}

export interface ControllerState {
  readonly desired: Graph;
  readonly current: Graph;
  readonly statuses: ReadonlyMap<string, ItemStatus>;
  readonly lastPlan?: Plan;
  readonly running: boolean;
  /** Steps started and not finished in the run under way (step id → start time). */
  readonly inProgress: ReadonlyMap<string, number>;
  readonly nextRetryAt?: number;
  /** Items with a drift history (flap damping), with the hold and its reason while one is in force. */
  readonly damping: ReadonlyMap<string, DampingInfo>;
}

export type ControllerEvent =
  | {
      readonly type: 'run-started';
      readonly id: number;
      readonly reasons: readonly string[];
      readonly plan: Plan;
    }
  | { readonly type: 'run-finished'; readonly record: RunRecord }
  | { readonly type: 'observed'; readonly reason: string }
  | ApplyEvent;

export class Controller {
  private desired: Graph;
  private current: Graph;
  private statuses: ReadonlyMap<string, ItemStatus> = new Map();
  private lastPlan: Plan | undefined;
  private readonly reasons = new Set<string>();
  private running = false;
  private scheduled = false;
  private stopped = false;
  private runId = 0;
  private retryTimer: unknown;
  private retryAt: number | undefined;
  private readonly inProgress = new Map<string, number>();
  private readonly runs: RunRecord[] = [];
  private readonly listeners = new Set<(e: ControllerEvent) => void>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private readonly damper: FlapDamper | undefined;
  /** Backs off the retries of runs that broke on an unexpected error; reset by a run that completes. */
  private readonly crashBackoff: Backoff;
  private crashRetryAt: number | undefined;
  /** The clock time of the last plan: retries due by then were seen by it. */
  private lastPlanAt: number | undefined;
  /** The plan of the run under way, once made (a broken run's record shows how far it got). */
  private runPlan: Plan | undefined;
  /** The last unexpected run error and how often it repeated, so a recurring one is logged once. */
  private lastCrash: { message: string; repeats: number } | undefined;

  constructor(private readonly opts: ControllerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.desired = emptyGraph(opts.name);
    this.current = emptyGraph(opts.name);
    this.damper =
      opts.damping === false ? undefined : new FlapDamper(opts.damping ?? {}, opts.random, opts.logger);
    this.crashBackoff = new Backoff(opts.backoff ?? defaultBackoff, opts.random);
  }

  /** Replaces the desired graph (build it with `syncGraph(state().desired, items)` to keep diffs incremental). */
  setDesired(g: Graph, reason = 'desired state changed'): void {
    if (g === this.desired) return;
    this.desired = g;
    this.trigger(reason);
  }

  /**
   * Records observations in the current graph: external items, and managed items re-read from the
   * system (put with `observed: true` so a difference from the desired spec is reported as drift).
   */
  observe(recipe: (e: GraphEditor) => void, reason = 'observation changed'): void {
    const prev = this.current;
    const next = editGraph(prev, recipe);
    if (next === prev) return;
    this.current = next;
    this.damper?.observe(prev, next, this.desired, this.clock.now());
    this.emit({ type: 'observed', reason });
    this.trigger(reason);
  }

  /** Asks for a reconcile; reasons are coalesced until the run starts. */
  trigger(reason: string): void {
    if (this.stopped) return;
    // Distinct reasons between two runs are few; a caller that makes each one unique (a timestamp in
    // it) must not grow the set while a long run is under way.
    if (this.reasons.size < maxReasons) this.reasons.add(reason);
    else this.reasons.add('more reasons');
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.run().catch((err: unknown) => this.crashed(err, { where: 'run loop' }));
    });
  }

  state(): ControllerState {
    return {
      desired: this.desired,
      current: this.current,
      statuses: this.statuses,
      ...(this.lastPlan ? { lastPlan: this.lastPlan } : {}),
      running: this.running,
      inProgress: new Map(this.inProgress),
      ...(this.retryAt !== undefined ? { nextRetryAt: this.retryAt } : {}),
      damping: this.damper?.info() ?? new Map(),
    };
  }

  /** The last runs, oldest first. */
  history(): readonly RunRecord[] {
    return [...this.runs];
  }

  /** A plan from the present state without applying it (dry run). */
  preview(scope?: ClusterPath): Plan {
    const now = this.clock.now();
    return makePlan(this.current, this.desired, this.planOptions(now, this.holdsAt(now), scope));
  }

  on(listener: (e: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no run is under way or asked for (a scheduled retry does not count). */
  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.reasons.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels calls in flight (through their AbortSignals), waits for the run to end, stops retries. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.reasons.clear();
    this.abort.abort(new Error('controller stopped'));
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.damper?.clear();
    await this.idle();
  }

  private planOptions(now: number, holds: ReadonlyMap<string, Hold>, scope?: ClusterPath) {
    return {
      ...(this.opts.predicates ? { predicates: this.opts.predicates } : {}),
      configurators: this.opts.configurators,
      statuses: this.statuses,
      now,
      ...(holds.size > 0 ? { holds } : {}),
      ...(scope ? { scope } : {}),
    };
  }

  private holdsAt(now: number): ReadonlyMap<string, Hold> {
    return this.damper?.holds(this.current, this.desired, now) ?? noHolds;
  }

  private emit(e: ControllerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.logger?.warn({ err }, 'controller listener threw');
      }
    }
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return this.settleIdle();
    this.running = true;
    try {
      while (this.reasons.size > 0 && !this.stopped) {
        const reasons = [...this.reasons].sort();
        this.reasons.clear();
        const id = ++this.runId;
        const startedAt = this.clock.now();
        try {
          await this.runOnce(id, startedAt, reasons);
          this.recovered();
        } catch (err) {
          this.crashed(err, { run: id, reasons });
          this.recordCrash(id, startedAt, reasons, err);
        } finally {
          // Steps of a broken run never report their end: forget them, they are not under way.
          this.inProgress.clear();
        }
      }
    } finally {
      this.running = false;
      try {
        this.scheduleRetry();
      } catch (err) {
        this.crashed(err, { where: 'scheduling the next run' });
      }
      this.settleIdle();
    }
  }

  /** An unexpected error (a bug, not an item failure): logged once per distinct message, retried. */
  private crashed(err: unknown, context: object): void {
    const message = errorText(err);
    const repeated = this.lastCrash?.message === message;
    if (repeated) this.lastCrash!.repeats++;
    else this.lastCrash = { message, repeats: 0 };
    try {
      if (repeated)
        this.opts.logger?.debug(
          { ...context, err, repeats: this.lastCrash!.repeats },
          'reconcile run failed again',
        );
      else this.opts.logger?.error({ ...context, err }, 'reconcile run failed: unexpected error, will retry');
    } catch {
      // The logger itself broke: nothing is left to tell, and this handler must not throw.
    }
    if (this.stopped) return;
    this.crashRetryAt = this.clock.now() + this.crashBackoff.next();
  }

  private recovered(): void {
    if (this.lastCrash) {
      this.opts.logger?.info(
        { failedRuns: this.lastCrash.repeats + 1, lastError: this.lastCrash.message },
        'reconcile runs work again',
      );
    }
    this.lastCrash = undefined;
    this.crashRetryAt = undefined;
    this.crashBackoff.reset();
  }

  private recordCrash(id: number, startedAt: number, reasons: readonly string[], err: unknown): void {
    const empty: Plan = { steps: [], pending: [], cycles: [], deferred: [], hookErrors: [] };
    const record: RunRecord = {
      id,
      reasons,
      startedAt,
      endedAt: this.clock.now(),
      plan: this.runPlan ?? empty,
      log: [],
      succeeded: 0,
      failed: 0,
      skipped: 0,
      error: errorText(err),
    };
    this.pushRecord(record);
    this.emit({ type: 'run-finished', record });
  }

  private pushRecord(record: RunRecord): void {
    this.runs.push(record);
    const limit = Math.max(0, this.opts.historyLimit ?? 100);
    while (this.runs.length > limit) this.runs.shift();
  }

  private settleIdle(): void {
    if (this.running || this.scheduled || this.reasons.size > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runOnce(id: number, startedAt: number, reasons: readonly string[]): Promise<void> {
    const desired = this.desired;
    const base = this.current;
    this.runPlan = undefined;
    const holds = this.holdsAt(startedAt);
    this.lastPlanAt = startedAt;
    const p = makePlan(base, desired, this.planOptions(startedAt, holds));
    this.lastPlan = p;
    this.runPlan = p;
    this.emit({ type: 'run-started', id, reasons, plan: p });
    let result: ApplyResult | undefined;
    if (p.steps.length > 0) {
      const drifts = this.damper?.mark() ?? 0;
      result = await apply(p, base, desired, {
        configurators: this.opts.configurators,
        ...(this.opts.concurrency ? { concurrency: this.opts.concurrency } : {}),
        ...(this.opts.defaultTimeoutMs ? { defaultTimeoutMs: this.opts.defaultTimeoutMs } : {}),
        signal: this.abort.signal,
        clock: this.clock,
        attemptOf: (k) => {
          const st = this.statuses.get(k);
          return st?.state === 'failed' ? st.attempts + 1 : 1;
        },
        onEvent: (e) => {
          if (e.type === 'step-started') this.inProgress.set(e.step.id, e.at);
          else this.inProgress.delete(e.step.id);
          this.emit(e);
        },
      });
      // Observations made during the apply are newer than the plan: keep them, add the apply's effects.
      if (this.current === base) this.current = result.current;
      else {
        const merged = applyEdits(this.current, result.edits);
        // A drift seen during the apply that the merge papers over is seen again by the next observation.
        this.damper?.reinstated(this.current, merged, desired, drifts);
        this.current = merged;
      }
    }
    const before = this.statuses;
    const statuses = nextStatuses(before, p, result, this.current, desired, {
      now: this.clock.now(),
      policy: this.opts.backoff ?? defaultBackoff,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
    this.statuses = this.damper ? this.damper.overlay(statuses, holds) : statuses;
    this.logHookErrors(p, before);
    const record: RunRecord = {
      id,
      reasons,
      startedAt,
      endedAt: this.clock.now(),
      plan: p,
      log: result?.log ?? [],
      succeeded: result?.succeeded ?? 0,
      failed: result?.failed ?? 0,
      skipped: result?.skipped ?? 0,
    };
    this.pushRecord(record);
    this.logRun(record);
    this.emit({ type: 'run-finished', record });
  }

  private logRun(r: RunRecord): void {
    const log = this.opts.logger;
    if (!log) return;
    const steps = r.plan.steps.map(describeStep);
    const errors = r.log.filter((e) => e.error && !e.skipped).map((e) => `${keyOf(e.ref)}: ${e.error}`);
    const fields = {
      run: r.id,
      reasons: r.reasons,
      durationMs: r.endedAt - r.startedAt,
      steps,
      pending: r.plan.pending.map((p) => `${keyOf(p.ref)} waits for ${keyOf(p.waitingFor)}: ${p.detail}`),
      ...(r.plan.cycles.length > 0 ? { cycles: r.plan.cycles.map((c) => c.map(keyOf).join(' -> ')) } : {}),
      ...(r.plan.deferred.length > 0
        ? {
            deferred: r.plan.deferred.map((d) => (d.damped ? `${keyOf(d.ref)} (${d.damped})` : keyOf(d.ref))),
          }
        : {}),
      ...(r.plan.hookErrors.length > 0
        ? { hookErrors: r.plan.hookErrors.map((h) => `${keyOf(h.ref)}: ${h.detail}`) }
        : {}),
      ...(errors.length > 0 ? { errors } : {}),
    };
    if (errors.length > 0 || r.plan.cycles.length > 0) log.warn(fields, 'reconciled with errors');
    else if (steps.length > 0) log.info(fields, 'reconciled');
    else log.debug(fields, 'reconciled: no changes');
  }

  /**
   * A hook error is an item failure, logged when it starts or its message changes: inside its backoff
   * the item is deferred and the hook not called again, and a retry that throws the same is not news.
   */
  private logHookErrors(p: Plan, before: ReadonlyMap<string, ItemStatus>): void {
    const log = this.opts.logger;
    if (!log) return;
    for (const h of p.hookErrors) {
      const k = keyOf(h.ref);
      const fields = {
        item: formatRef(h.ref),
        hook: h.hook,
        ...(h.predicate ? { predicate: h.predicate.name, dependency: formatRef(h.dependency!) } : {}),
        error: h.error,
        attempts: this.statuses.get(k)?.attempts ?? 1,
      };
      if (before.get(k)?.lastError === h.detail) log.debug(fields, 'hook failed again');
      else log.warn(fields, `item failed: ${h.detail}`);
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const at = earliest(
      earliest(nextRetryAt(this.statuses, this.lastPlanAt), this.damper?.nextWakeAt(this.lastPlanAt ?? now)),
      this.crashRetryAt,
    );
    if (at === this.retryAt && this.retryTimer !== undefined) return;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, at - this.clock.now());
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = undefined;
      this.trigger(
        this.crashRetryAt !== undefined && this.crashRetryAt <= this.clock.now()
          ? 'retry after error'
          : 'retry due',
      );
    }, delay);
  }
}

const maxReasons = 64;
const noHolds: ReadonlyMap<string, Hold> = new Map();

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** One plan step as one line: `op[-phase] type/name (why)` (logs, the visualizer's timeline). */
export function describeStep(s: PlanStep): string {
  return `${s.phase ? `${s.op}-${s.phase}` : s.op} ${keyOf(s.ref)} (${s.reason.detail})`;
}
