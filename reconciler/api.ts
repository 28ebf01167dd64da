/**
 * The reconciler's whole model in one file: items, dependencies, configurators, plans and results.
 *
 * An {@link Item} is a piece of state that should exist (desired graph) or does exist (current graph).
 * Items depend on other items; a dependency edge A → B means "A cannot exist without B": B is created
 * before A and A is deleted before B. `plan(current, desired)` diffs the two graphs into ordered
 * {@link PlanStep}s; `apply(plan, ...)` runs them through one {@link Configurator} per item type.
 *
 * Nothing here knows about modems: the agent in `src/` defines the item types.
 */
import type { Operation } from 'fast-json-patch';

/** Plain JSON: the only thing an item spec may contain (no functions, dates, bigints or undefined). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Identity of an item: unique per (type, name) in a graph. `type` must not contain '/'. */
export interface ItemRef {
  readonly type: string;
  readonly name: string;
}

/**
 * A named condition over the required item's spec, e.g. `{name: 'hasIPv4'}` or
 * `{name: 'mtuAtLeast', args: 1500}`. The implementation is looked up by name in the
 * {@link Predicates} given to `plan()`, so dependencies stay plain data that a plan, a log line and the
 * visualizer can print ("route waits for link/wwan0: predicate isUp failed").
 */
export interface PredicateRef {
  readonly name: string;
  readonly args?: Json;
}

export interface Dependency {
  readonly ref: ItemRef;
  /** The dependency is satisfied only when the required item exists and this predicate holds on its spec. */
  readonly predicate?: PredicateRef;
  /** Why the dependency exists, shown in plans and the visualizer. */
  readonly description: string;
}

/**
 * An item. `spec` is plain JSON and deep-frozen by `item()`; two items are equal when their type, name,
 * canonical spec, dependencies and external flag are equal. There is no hand-written `equal()`.
 */
export interface Item<S extends Json = Json> {
  readonly type: string;
  readonly name: string;
  readonly spec: S;
  readonly deps: readonly Dependency[];
  /** Not managed by us (observed only): never created, modified or deleted; may not have dependencies. */
  readonly external: boolean;
  /** Display name for plans and graphs; defaults to `name`. */
  readonly label?: string;
}

/** A predicate implementation: pure, cheap, total. One that throws fails the item that depends (Plan.hookErrors). */
export type PredicateFn = (spec: Json, args: Json | undefined) => boolean;
export type Predicates = Readonly<Record<string, PredicateFn>>;

/** Passed to every configurator call. */
export interface OpContext {
  /** Aborted on timeout, cancellation or shutdown: stop and reject promptly. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt at this item since its spec last changed. */
  readonly attempt: number;
  /** The plan step being carried out. */
  readonly step: PlanStep;
}

/**
 * Carries out the operations for one item type. Every method may be async; each call gets an
 * AbortSignal and is abandoned (and counted as failed) after `timeoutMs`.
 * Implementations must be idempotent: a create of something that already exists as wanted succeeds,
 * a delete of something already gone succeeds.
 */
export interface Configurator<S extends Json = Json> {
  create(item: Item<S>, ctx: OpContext): Promise<void> | void;
  modify(oldItem: Item<S>, newItem: Item<S>, ctx: OpContext): Promise<void> | void;
  delete(item: Item<S>, ctx: OpContext): Promise<void> | void;
  /**
   * Whether a change from `oldItem` to `newItem` (`patch` is the RFC 6902 diff of the specs) needs a
   * delete + create instead of a modify. Return a short human reason (truthy) or false. A throw fails
   * this item (no step, the error in its status; see Plan.hookErrors), never the run.
   */
  needsRecreate?(oldItem: Item<S>, newItem: Item<S>, patch: readonly Operation[]): string | false;
  /** Per-call timeout in milliseconds (default: `ApplyOptions.defaultTimeoutMs`). */
  readonly timeoutMs?: number;
}

export type Configurators = Readonly<Record<string, Configurator<never>>>;

/** Throw (or reject with) this from a configurator to say "retrying will not help until the spec changes". */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly permanent = true;
}

// ---------------------------------------------------------------------------------------------------
// Plans

export type StepOp = 'create' | 'modify' | 'recreate' | 'delete';

/**
 * Why a step exists. Every step has exactly one primary reason; `detail` is the sentence for people.
 * - `new`: in the desired graph, not in the current one.
 * - `removed`: in the current graph, no longer desired.
 * - `changed`: the spec differs; `fields` lists the JSON pointers that changed.
 * - `needs-recreate`: the configurator said a modify cannot do it (`detail` says why).
 * - `dependency-recreated`: a required item is recreated, so this one is taken down and up again.
 * - `dependency-unsatisfied`: a required item is missing, going away, or fails a predicate: delete.
 * - `drift`: observed state differs from what we applied (changed outside): put it back.
 * - `retry`: an earlier attempt failed; trying again.
 */
export type ReasonKind =
  | 'new'
  | 'removed'
  | 'changed'
  | 'needs-recreate'
  | 'dependency-recreated'
  | 'dependency-unsatisfied'
  | 'drift'
  | 'retry';

export interface Reason {
  readonly kind: ReasonKind;
  readonly detail: string;
  /** JSON pointers of the changed spec fields (`changed`, `needs-recreate`, `drift`). */
  readonly fields?: readonly string[];
  /** The item that caused this step (`dependency-*`). */
  readonly cause?: ItemRef;
}

export interface PlanStep {
  /** Stable and unique in the plan, e.g. `create:link/wwan0` or `recreate-delete:bearer/modem1`. */
  readonly id: string;
  readonly op: StepOp;
  /** For `recreate`, a recreate is two steps: its `delete` phase and its `create` phase. */
  readonly phase?: 'delete' | 'create';
  readonly ref: ItemRef;
  readonly label?: string;
  readonly reason: Reason;
  /** RFC 6902 patch from the old spec to the new one (`modify`, `recreate`). */
  readonly patch?: readonly Operation[];
  /** Step ids that must complete successfully before this one starts. */
  readonly after: readonly string[];
}

/** Why a desired item cannot be created (yet). */
export interface PendingItem {
  readonly ref: ItemRef;
  readonly label?: string;
  /** The first unsatisfied dependency (in dependency order). */
  readonly waitingFor: ItemRef;
  /** 'missing': the required item does not exist (and is not being created); 'pending': it is itself
   * pending; 'predicate': it exists but `predicate` fails; 'failed': it failed permanently; 'retry-wait':
   * it failed and is backing off; 'in-progress': an operation on it is in flight; 'cycle': a dependency cycle. */
  readonly why: 'missing' | 'pending' | 'predicate' | 'failed' | 'retry-wait' | 'in-progress' | 'cycle';
  readonly predicate?: PredicateRef;
  readonly detail: string;
}

/** An item held back by its retry backoff, or by flap damping (`damped`). */
export interface DeferredItem {
  readonly ref: ItemRef;
  readonly nextAttemptAt: number;
  /** The last failure's message ('' when it is held for another reason, e.g. damping). */
  readonly lastError: string;
  readonly attempts: number;
  /** The failure is permanent: no retry until the desired spec changes. */
  readonly permanent?: boolean;
  /** Held by flap damping, not by a failure: why, for people ("damped: 4 drifts in 9 s, next repair in 2 s"). */
  readonly damped?: string;
}

/**
 * A configurator hook or a predicate that threw while planning. It is the failure of `ref` (the item
 * whose hook it is, or whose dependency the predicate tests): no step is planned for it, its dependents
 * that do not exist yet wait for it, and every other item is planned as usual.
 */
export interface HookError {
  readonly ref: ItemRef;
  readonly label?: string;
  readonly hook: 'needsRecreate' | 'predicate';
  /** The predicate that threw and the dependency it was tested on (`hook: 'predicate'`). */
  readonly predicate?: PredicateRef;
  readonly dependency?: ItemRef;
  /** The thrown error's message. */
  readonly error: string;
  /** One sentence naming the hook, e.g. "needsRecreate threw: boom"; it becomes the item's lastError. */
  readonly detail: string;
}

export interface Plan {
  /** Steps in a deterministic topological order; `after` gives the real constraints. */
  readonly steps: readonly PlanStep[];
  readonly pending: readonly PendingItem[];
  /** Each cycle as the list of items around it (first item repeated at the end). */
  readonly cycles: readonly (readonly ItemRef[])[];
  readonly deferred: readonly DeferredItem[];
  /** Hooks and predicates that threw, one per item, sorted by key (the controller makes them item failures). */
  readonly hookErrors: readonly HookError[];
}

// ---------------------------------------------------------------------------------------------------
// Apply results and item status

export type ItemState = 'created' | 'failed' | 'pending' | 'in-progress' | 'deleted';

export interface OpLogEntry {
  readonly stepId: string;
  readonly op: StepOp;
  readonly phase?: 'delete' | 'create';
  readonly ref: ItemRef;
  readonly reason: Reason;
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Message of the error, when the operation failed. */
  readonly error?: string;
  /** The step never ran because a step it waits for failed or was cancelled. */
  readonly skipped?: boolean;
}

/**
 * What the reconciler knows about one item beyond its spec: the retry bookkeeping and last outcome.
 * Only items that are failed, pending or half-way through a recreate have one; an item in the current
 * graph without a status is created and in sync.
 */
export interface ItemStatus {
  readonly state: ItemState;
  readonly lastOp?: StepOp;
  readonly lastError?: string;
  readonly permanent?: boolean;
  /** Failed attempts since the spec last changed. */
  readonly attempts: number;
  /** When the next attempt may run (clock ms): a failed item's retry, or a damped item's next repair. */
  readonly nextAttemptAt?: number;
  /** Canonical spec key of the desired item the failure was about: a new spec resets the backoff. */
  readonly failedSpecKey?: string;
  /** Why it waits: for a dependency, or "damped: …" while flap damping holds its repair. */
  readonly pendingReason?: string;
  readonly updatedAt: number;
}

/** Time and timers, injectable so backoff schedules are tested without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
