/**
 * The controller loop, level-triggered like a Kubernetes controller: triggers (desired state changed,
 * an observation changed, a retry is due) only say "look again"; every run plans from the whole desired
 * and current state. Triggers are coalesced with their reasons; one run at a time; the next run is
 * scheduled at the earliest retry time. The controller is the single writer of both graphs, so callers
 * never pause their watchers: observations that arrive during a run are folded in and trigger a new one.
 */
import type { Clock, Configurators, ItemStatus, OpLogEntry, Plan, Predicates } from './api.js';
import { systemClock } from './api.js';
import { type ApplyEvent, type ApplyResult, apply, applyEdits } from './apply.js';
import type { ClusterPath, Graph, GraphEditor } from './graph.js';
import { editGraph, emptyGraph } from './graph.js';
import { keyOf } from './item.js';
import { plan as makePlan } from './plan.js';
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

  constructor(private readonly opts: ControllerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.desired = emptyGraph(opts.name);
    this.current = emptyGraph(opts.name);
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
    const next = editGraph(this.current, recipe);
    if (next === this.current) return;
    this.current = next;
    this.emit({ type: 'observed', reason });
    this.trigger(reason);
  }

  /** Asks for a reconcile; reasons are coalesced until the run starts. */
  trigger(reason: string): void {
    if (this.stopped) return;
    this.reasons.add(reason);
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.run();
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
    };
  }

  /** The last runs, oldest first. */
  history(): readonly RunRecord[] {
    return [...this.runs];
  }

  /** A plan from the present state without applying it (dry run). */
  preview(scope?: ClusterPath): Plan {
    return makePlan(this.current, this.desired, this.planOptions(scope));
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
    await this.idle();
  }

  private planOptions(scope?: ClusterPath) {
    return {
      ...(this.opts.predicates ? { predicates: this.opts.predicates } : {}),
      configurators: this.opts.configurators,
      statuses: this.statuses,
      now: this.clock.now(),
      ...(scope ? { scope } : {}),
    };
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
        await this.runOnce(reasons);
      }
    } finally {
      this.running = false;
      this.scheduleRetry();
      this.settleIdle();
    }
  }

  private settleIdle(): void {
    if (this.running || this.scheduled || this.reasons.size > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runOnce(reasons: readonly string[]): Promise<void> {
    const id = ++this.runId;
    const startedAt = this.clock.now();
    const desired = this.desired;
    const base = this.current;
    const p = makePlan(base, desired, this.planOptions());
    this.lastPlan = p;
    this.emit({ type: 'run-started', id, reasons, plan: p });
    let result: ApplyResult | undefined;
    if (p.steps.length > 0) {
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
      this.current = this.current === base ? result.current : applyEdits(this.current, result.edits);
    }
    this.statuses = nextStatuses(this.statuses, p, result, this.current, desired, {
      now: this.clock.now(),
      policy: this.opts.backoff ?? defaultBackoff,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
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
    this.runs.push(record);
    if (this.runs.length > (this.opts.historyLimit ?? 100)) this.runs.shift();
    this.logRun(record);
    this.emit({ type: 'run-finished', record });
  }

  private logRun(r: RunRecord): void {
    const log = this.opts.logger;
    if (!log) return;
    const steps = r.plan.steps.map(
      (s) => `${s.phase ? `${s.op}-${s.phase}` : s.op} ${keyOf(s.ref)} (${s.reason.detail})`,
    );
    const errors = r.log.filter((e) => e.error && !e.skipped).map((e) => `${keyOf(e.ref)}: ${e.error}`);
    const fields = {
      run: r.id,
      reasons: r.reasons,
      durationMs: r.endedAt - r.startedAt,
      steps,
      pending: r.plan.pending.map((p) => `${keyOf(p.ref)} waits for ${keyOf(p.waitingFor)}: ${p.detail}`),
      ...(r.plan.cycles.length > 0 ? { cycles: r.plan.cycles.map((c) => c.map(keyOf).join(' -> ')) } : {}),
      ...(r.plan.deferred.length > 0 ? { deferred: r.plan.deferred.map((d) => keyOf(d.ref)) } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    };
    if (errors.length > 0 || r.plan.cycles.length > 0) log.warn(fields, 'reconciled with errors');
    else if (steps.length > 0) log.info(fields, 'reconciled');
    else log.debug(fields, 'reconciled: no changes');
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const at = nextRetryAt(this.statuses);
    if (at === this.retryAt && this.retryTimer !== undefined) return;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, at - this.clock.now());
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = undefined;
      this.trigger('retry due');
    }, delay);
  }
}
