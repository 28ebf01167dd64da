/**
 * The planner: `plan(current, desired)` diffs two graphs into ordered steps, pending items, cycles and
 * deferred retries. It is pure: it reads the graphs and options and mutates nothing (a private cache of
 * the last diff per desired lineage makes repeated plans proportional to what changed).
 *
 * Algorithm:
 * 1. Seeds: keys where current and desired differ (incrementally, from the graphs' edit journals), plus
 *    keys that changed since the last plan (an observed dependency may change a predicate's answer).
 * 2. Affected set: the seeds and everything that depends on them, transitively, in either graph.
 * 3. Evaluate the affected items in dependency order: does each desired item's every dependency exist in
 *    the final state with its predicate true? Then create / modify / recreate / delete / nothing, or
 *    pending (with the first unsatisfied dependency). Recreates cascade to dependents.
 * 4. Order: dependencies are created before dependents; dependents are deleted before dependencies;
 *    ties broken by (op, type, name), so equal inputs give byte-identical plans.
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import type {
  Configurators,
  DeferredItem,
  HookError,
  ItemRef,
  ItemStatus,
  Json,
  PendingItem,
  Plan,
  PlanStep,
  PredicateRef,
  Predicates,
  Reason,
  StepOp,
} from './api.js';
import { errorText } from './errors.js';
import type { ClusterPath, Graph, GraphNode } from './graph.js';
import { changedKeys, compareKeys, findCycles, lineageOf } from './graph.js';
import { MinHeap } from './heap.js';
import { contentKey, depKeys, formatRef, keyOf, refFromKey, specKey } from './item.js';

export interface PlanOptions {
  /** Implementations of the predicates named by dependencies. An unknown name counts as unsatisfied. */
  readonly predicates?: Predicates;
  /** Only `needsRecreate` is used: planning never calls create/modify/delete. */
  readonly configurators?: Configurators;
  /** Retry bookkeeping: failed items whose backoff has not expired are deferred, not planned. */
  readonly statuses?: ReadonlyMap<string, ItemStatus>;
  /** Clock time for retry gating (default: no gating by time). */
  readonly now?: number;
  /** Selective reconcile: only changes of items in this cluster (and their cascades) are planned. */
  readonly scope?: ClusterPath;
  /** Items with an operation in flight: no step touches them, and what depends on their outcome waits. */
  readonly locked?: ReadonlySet<string>;
  /** Set false to force a full comparison (tests use it as the oracle for the incremental path). */
  readonly incremental?: boolean;
  /**
   * Items whose repair is held (flap damping) until a clock time: any step for them is deferred with
   * the reason while `until > now`. The caller decides what is held; the planner only obeys.
   */
  readonly holds?: ReadonlyMap<string, Hold>;
}

/** A hold on an item's steps (see `PlanOptions.holds`). */
export interface Hold {
  readonly until: number;
  readonly reason: string;
}

/** What the final state (after the plan) looks like for one item, as its dependents see it. */
interface Outcome {
  readonly exists: boolean;
  readonly spec?: Json;
  readonly recreated?: boolean;
  /** It is modified by this plan (its spec changes while it exists). */
  readonly modified?: boolean;
  /** Why it will not exist although desired (for dependents' pending reasons). */
  readonly why?: PendingItem['why'];
  /** Dependents' pending detail when the generic text of `why` would hide the cause (hook error, damping). */
  readonly detail?: string;
}

interface PlannedOp {
  readonly op: StepOp;
  readonly reason: Reason;
  readonly patch?: readonly Operation[];
  readonly label?: string;
}

interface DiffCache {
  readonly current: Graph;
  readonly desired: Graph;
  readonly outOfSync: ReadonlySet<string>;
}
const diffCache = new WeakMap<object, DiffCache>();

const emptyStatuses: ReadonlyMap<string, ItemStatus> = new Map();
const noHolds: ReadonlyMap<string, Hold> = new Map();

/** Thrown inside an item's evaluation when one of its hooks threw; caught by the same evaluation. */
class HookFailure {
  constructor(
    readonly hook: HookError['hook'],
    readonly error: string,
    readonly predicate?: PredicateRef,
    readonly dependency?: ItemRef,
  ) {}
}
const noKeys: readonly string[] = [];
const noRecDeps: (Rec | undefined)[] = [];

/** The planner's working record for one affected key. */
/** A step being ordered. */
interface Draft {
  readonly id: string;
  readonly key: string;
  readonly rec: Rec;
  /** 0 delete-like, 1 modify, 2 create-like: the listing order among steps that are ready together. */
  readonly rank: 0 | 1 | 2;
  readonly op: PlannedOp;
  readonly phase?: 'delete' | 'create';
  after: Draft[];
  waiting: number;
  emitted: boolean;
  /** Its position in the plan's steps, once emitted. */
  index: number;
  /** The steps that wait for it: `nextOf[nextAt .. nextAt + nextCount - 1]` (one flat array per plan). */
  nextAt: number;
  nextCount: number;
}

interface Rec {
  readonly key: string;
  /** The desired and current nodes, looked up once. */
  readonly d: GraphNode | undefined;
  readonly c: GraphNode | undefined;
  /** The records of its dependencies (those in the affected set), in dependency order. */
  deps: (Rec | undefined)[];
  /** Unevaluated dependencies inside the affected set. */
  indeg: number;
  /** Affected items that depend on this one: `downOf[downAt .. downAt + downCount - 1]`. */
  downAt: number;
  downCount: number;
  done: boolean;
  outcome: Outcome | undefined;
  planned: PlannedOp | undefined;
  /** Its steps, once ordered: the delete-like one, the create-like or modify one, the modify one. */
  del: Draft | undefined;
  put: Draft | undefined;
  mod: Draft | undefined;
}
const newReason: Reason = Object.freeze({ kind: 'new', detail: 'new item' });
// Shared outcomes and operations for the common cases: a plan of thousands of new items allocates
// nothing per item for them.
const PENDING: Outcome = Object.freeze({ exists: false, why: 'pending' });
const MISSING: Outcome = Object.freeze({ exists: false, why: 'missing' });
const IN_PROGRESS: Outcome = Object.freeze({ exists: false, why: 'in-progress' });
const CREATE_NEW: PlannedOp = Object.freeze({ op: 'create', reason: newReason });

export function plan(current: Graph, desired: Graph, opts: PlanOptions = {}): Plan {
  const predicates = opts.predicates ?? {};
  const statuses = opts.statuses ?? emptyStatuses;
  const locked = opts.locked ?? new Set<string>();
  const now = opts.now ?? Number.NEGATIVE_INFINITY;
  const holds = opts.holds ?? noHolds;

  // 1. Seeds.
  const seeds = outOfSyncSeeds(current, desired, opts.incremental !== false);
  const scope = opts.scope && opts.scope.length > 0 ? opts.scope : undefined;
  const inScope = (k: string) => {
    if (!scope) return true;
    const under = (n: GraphNode | undefined) => !!n && scope.every((s, i) => n.path[i] === s);
    return under(desired.nodes.get(k)) || under(current.nodes.get(k));
  };

  // 2. Affected set: seeds and their transitive dependents in either graph. One record per key holds
  // everything the evaluation needs, so the hot loops follow object references, not map lookups.
  const recs = new Map<string, Rec>();
  // The same records as a list: iterating an array allocates nothing per element.
  const recList: Rec[] = [];
  const queue: Rec[] = [];
  const visit = (k: string) => {
    if (recs.has(k)) return;
    const r: Rec = {
      key: k,
      d: desired.nodes.get(k),
      c: current.nodes.get(k),
      deps: noRecDeps,
      indeg: 0,
      downAt: 0,
      downCount: 0,
      done: false,
      outcome: undefined,
      planned: undefined,
      del: undefined,
      put: undefined,
      mod: undefined,
    };
    recs.set(k, r);
    recList.push(r);
    queue.push(r);
  };
  // forEach and index loops on the per-item paths: for-of in these large functions allocates an
  // iterator result per element (measured: ~400 B a step at 10k items).
  for (const group of seeds)
    group.forEach((k) => {
      if (inScope(k)) visit(k);
    });
  while (queue.length > 0) {
    const k = queue.pop()!.key;
    const dd = desired.dependents.get(k) ?? noKeys;
    for (let i = 0; i < dd.length; i++) visit(dd[i]!);
    const cd = current.dependents.get(k) ?? noKeys;
    for (let i = 0; i < cd.length; i++) visit(cd[i]!);
  }

  /** The keys a record waits for: the desired item's dependencies, else the current item's. */
  /**
   * The keys a record waits for before it is evaluated: the desired item's dependencies (first, in
   * order), then those only the current item has (what it may have to let go of first).
   */
  const depsOf = (r: Rec): readonly string[] => {
    const want = r.d && !r.d.item.external ? depKeys(r.d.item) : undefined;
    const have = r.c && !r.c.item.external ? depKeys(r.c.item) : noKeys;
    if (!want) return have;
    if (have.length === 0 || have === want) return want;
    const extra = have.filter((k) => !want.includes(k));
    return extra.length === 0 ? want : [...want, ...extra];
  };

  // 3. Evaluate in dependency order (Kahn over the affected set; cycles are cut and reported).
  const planned: Rec[] = [];
  const plan = (rec: Rec, op: PlannedOp) => {
    if (!rec.planned) planned.push(rec);
    rec.planned = op;
  };
  const pending: PendingItem[] = [];
  const deferred: DeferredItem[] = [];
  const hookErrors: HookError[] = [];
  const cycles: ItemRef[][] = [];

  const outcomeOf = (k: string): Outcome => {
    const o = recs.get(k)?.outcome;
    if (o) return o;
    const c = current.nodes.get(k);
    return c ? { exists: true, spec: c.item.spec } : MISSING;
  };

  const markPending = (rec: Rec, p: Omit<PendingItem, 'ref' | 'label'>) => {
    const k = rec.key;
    const d = rec.d!;
    pending.push({ ref: refFromKey(k), ...(d.item.label ? { label: d.item.label } : {}), ...p });
    const c = rec.c;
    if (c && !c.item.external && !locked.has(k)) {
      plan(rec, {
        op: 'delete',
        reason: {
          kind: 'dependency-unsatisfied',
          detail: `${formatRef(p.waitingFor)} ${p.detail}`,
          cause: p.waitingFor,
        },
        ...labelOf(c),
      });
    }
    rec.outcome = PENDING;
  };

  /** The dependency of `cur` whose planned modify fails a predicate `cur` and `want` both hold on it. */
  const brokenByChange = (cur: GraphNode['item'], want: GraphNode['item']): ItemRef | undefined => {
    const cks = depKeys(cur);
    const wks = depKeys(want);
    for (let i = 0; i < cur.deps.length; i++) {
      const dep = cur.deps[i]!;
      if (!dep.predicate) continue;
      const t = recs.get(cks[i]!)?.outcome;
      if (!t?.modified) continue;
      const fn = predicates[dep.predicate.name];
      if (fn && testPredicate(fn, t.spec ?? null, dep.predicate, dep.ref)) continue;
      const j = wks.indexOf(cks[i]!);
      if (j >= 0 && want.deps[j]!.predicate) return dep.ref;
    }
    return undefined;
  };

  const evaluateItem = (rec: Rec) => {
    const k = rec.key;
    const c = rec.c;
    const d = rec.d;
    if (locked.has(k)) {
      rec.outcome = c ? { exists: true, spec: c.item.spec } : IN_PROGRESS;
      return;
    }
    const managedDesired = d && !d.item.external ? d : undefined;
    if (!managedDesired) {
      if (c && !c.item.external) {
        const st = statuses.get(k);
        if (gated(st, undefined)) {
          deferred.push(deferredOf(k, st!));
          rec.outcome = PENDING;
          return;
        }
        plan(rec, {
          op: 'delete',
          reason: { kind: 'removed', detail: d ? 'now external (no longer managed)' : 'no longer desired' },
          ...labelOf(c),
        });
        rec.outcome = MISSING;
      } else {
        rec.outcome = c ? { exists: true, spec: c.item.spec } : MISSING;
      }
      return;
    }

    // Dependencies, in the order the item lists them: the first unsatisfied one is reported.
    let recreatedDep: ItemRef | undefined;
    const dks = depKeys(managedDesired.item);
    for (let di = 0; di < dks.length; di++) {
      const dep = managedDesired.item.deps[di]!;
      const depKey = dks[di]!;
      const t = rec.deps[di]?.outcome ?? outcomeOf(depKey);
      if (!t.exists) {
        const why = t.why === 'missing' || t.why === undefined ? 'missing' : t.why;
        markPending(rec, { waitingFor: dep.ref, why, detail: t.detail ?? whyText(why) });
        return;
      }
      if (dep.predicate) {
        const fn = predicates[dep.predicate.name];
        const ok = fn ? testPredicate(fn, t.spec ?? null, dep.predicate, dep.ref) : false;
        if (!ok) {
          markPending(rec, {
            waitingFor: dep.ref,
            why: 'predicate',
            predicate: dep.predicate,
            detail: fn
              ? `does not satisfy ${dep.predicate.name} (${dep.description})`
              : `unknown predicate ${dep.predicate.name}`,
          });
          return;
        }
      }
      if (t.recreated && !recreatedDep) recreatedDep = dep.ref;
    }
    // A dependency the current item has (and lets go of) that is recreated takes it down too: it
    // cannot be relinked before its new dependencies exist, and those may hang on the recreate.
    if (!recreatedDep && c && !c.item.external) {
      const have = depKeys(c.item);
      for (let i = 0; i < have.length; i++) {
        if (recs.get(have[i]!)?.outcome?.recreated) {
          recreatedDep = c.item.deps[i]!.ref;
          break;
        }
      }
    }
    // A dependent we cannot touch (operation in flight) pins this item as it is.
    const st = statuses.get(k);
    let op: PlannedOp | undefined;
    if (!c || c.item.external) {
      op =
        st?.state === 'failed'
          ? {
              op: 'create',
              reason: { kind: 'retry', detail: `retry after failure: ${st.lastError ?? 'unknown error'}` },
            }
          : CREATE_NEW;
    } else if (contentKey(c.item) !== contentKey(managedDesired.item)) {
      // Diff key-sorted copies, so equal specs written in another key order give the same patch.
      const patch = jsonpatch.compare(JSON.parse(specKey(c.item)), JSON.parse(specKey(managedDesired.item)));
      const fields = patch.map((p) => p.path);
      const depsChanged = contentKey(c.item).split('|')[1] !== contentKey(managedDesired.item).split('|')[1];
      const conf = opts.configurators?.[managedDesired.item.type] as
        | { needsRecreate?: (o: unknown, n: unknown, p: readonly Operation[]) => string | false }
        | undefined;
      let nr: string | false = false;
      try {
        nr = conf?.needsRecreate?.(c.item, managedDesired.item, patch) || false;
      } catch (err) {
        throw new HookFailure('needsRecreate', errorText(err));
      }
      const what = fields.length > 0 ? fields.join(', ') : depsChanged ? 'dependencies' : 'spec';
      if (nr) {
        op = { op: 'recreate', reason: { kind: 'needs-recreate', detail: nr, fields }, patch };
      } else if (recreatedDep) {
        op = { op: 'recreate', reason: recreatedBecause(recreatedDep), patch };
      } else if (c.observed) {
        op = { op: 'modify', reason: { kind: 'drift', detail: `changed outside: ${what}`, fields }, patch };
      } else {
        op = {
          op: 'modify',
          reason:
            st?.state === 'failed'
              ? { kind: 'retry', detail: `retry after failure: ${st.lastError ?? 'unknown error'}`, fields }
              : { kind: 'changed', detail: `changed: ${what}`, fields },
          patch,
        };
      }
    } else if (recreatedDep) {
      op = { op: 'recreate', reason: recreatedBecause(recreatedDep) };
    }
    if (op?.op === 'modify' && c) {
      // A dependency that changes under a predicate of the current item breaks it on the way; if the
      // new item still needs that dependency's new spec, it cannot simply be modified before or after:
      // it goes down first and comes back after.
      const broken = brokenByChange(c.item, managedDesired.item);
      if (broken)
        op = {
          ...op,
          op: 'recreate',
          reason: {
            kind: 'dependency-recreated',
            detail: `${formatRef(broken)} changes under its predicate`,
            cause: broken,
          },
        };
    }
    if (!op) {
      rec.outcome = { exists: true, spec: managedDesired.item.spec };
      return;
    }
    if ((op.op === 'recreate' || op.op === 'modify') && hasLockedDependent(current, k, locked)) {
      rec.outcome = { exists: true, spec: c!.item.spec };
      return;
    }
    if (gated(st, managedDesired.item)) {
      deferred.push(deferredOf(k, st!));
      rec.outcome =
        op.op === 'create'
          ? { exists: false, why: st!.permanent ? 'failed' : 'retry-wait' }
          : { exists: true, spec: c!.item.spec };
      return;
    }
    const hold = holds.get(k);
    if (hold !== undefined && hold.until > now) {
      deferred.push({
        ref: refFromKey(k),
        nextAttemptAt: hold.until,
        lastError: st?.lastError ?? '',
        attempts: st?.attempts ?? 0,
        damped: hold.reason,
      });
      rec.outcome =
        op.op === 'create'
          ? { exists: false, why: 'retry-wait', detail: hold.reason }
          : { exists: true, spec: c!.item.spec };
      return;
    }
    plan(rec, managedDesired.item.label ? { ...op, label: managedDesired.item.label } : op);
    rec.outcome = {
      exists: true,
      spec: managedDesired.item.spec,
      recreated: op.op === 'recreate',
      modified: op.op === 'modify',
    };
  };

  /**
   * A hook that threw fails this item only: no step for it; it stays as it is, and when it does not
   * exist its dependents wait for it. Inside its retry backoff it is deferred like any failed item,
   * so the error is reported once per attempt, not once per plan.
   */
  const evaluate = (rec: Rec) => {
    try {
      evaluateItem(rec);
    } catch (e) {
      if (!(e instanceof HookFailure)) throw e;
      const k = rec.key;
      const want = rec.d!.item;
      const c = rec.c && !rec.c.item.external ? rec.c : undefined;
      const st = statuses.get(k);
      if (gated(st, want)) {
        deferred.push(deferredOf(k, st!));
        rec.outcome = c
          ? { exists: true, spec: c.item.spec }
          : { exists: false, why: st!.permanent ? 'failed' : 'retry-wait' };
        return;
      }
      const detail =
        e.hook === 'predicate'
          ? `predicate ${e.predicate!.name} on ${formatRef(e.dependency!)} threw: ${e.error}`
          : `needsRecreate threw: ${e.error}`;
      hookErrors.push({
        ref: refFromKey(k),
        ...(want.label ? { label: want.label } : {}),
        hook: e.hook,
        ...(e.predicate ? { predicate: e.predicate, dependency: e.dependency! } : {}),
        error: e.error,
        detail,
      });
      rec.outcome = c
        ? { exists: true, spec: c.item.spec }
        : { exists: false, why: 'failed', detail: `failed: ${detail}` };
    }
  };

  const gated = (st: ItemStatus | undefined, want: GraphNode['item'] | undefined): boolean => {
    if (st?.state !== 'failed') return false;
    // A new desired spec resets the backoff: the old failure was about something else.
    if (want && st.failedSpecKey !== undefined && st.failedSpecKey !== contentKey(want)) return false;
    if (st.permanent) return true;
    return st.nextAttemptAt !== undefined && st.nextAttemptAt > now;
  };

  // Kahn's algorithm restricted to the affected set.
  for (let ri = 0; ri < recList.length; ri++) {
    const r = recList[ri]!;
    const dks = depsOf(r);
    if (dks.length > 0) r.deps = new Array(dks.length);
    for (let i = 0; i < dks.length; i++) {
      const dk = dks[i]!;
      if (dk === r.key) r.indeg++;
      else {
        const up = recs.get(dk);
        r.deps[i] = up;
        if (up) {
          r.indeg++;
          up.downCount++;
        }
      }
    }
  }
  // The reverse links in one flat array (count, place, fill), not an array per record grown by push.
  let downTotal = 0;
  for (let ri = 0; ri < recList.length; ri++) {
    const r = recList[ri]!;
    r.downAt = downTotal;
    downTotal += r.downCount;
    r.downCount = 0;
  }
  const downOf = new Array<Rec>(downTotal);
  for (let ri = 0; ri < recList.length; ri++) {
    const r = recList[ri]!;
    for (let i = 0; i < r.deps.length; i++) {
      const up = r.deps[i];
      if (up) downOf[up.downAt + up.downCount++] = r;
    }
  }
  // A plain queue, not a heap by key: an item's outcome depends only on its dependencies' outcomes,
  // so any dependency order gives the same plan (orderSteps sorts the steps), and predicates and
  // needsRecreate are pure. The queue's order follows the graphs' own order, deterministically.
  const ready: Rec[] = [];
  let readyAt = 0;
  for (let ri = 0; ri < recList.length; ri++) if (recList[ri]!.indeg === 0) ready.push(recList[ri]!);
  let doneCount = 0;
  const release = (r: Rec) => {
    r.done = true;
    doneCount++;
    for (let i = r.downAt, end = r.downAt + r.downCount; i < end; i++) {
      const w = downOf[i]!;
      if (--w.indeg === 0 && !w.done) ready.push(w);
    }
  };
  while (doneCount < recList.length) {
    const r = readyAt < ready.length ? ready[readyAt++] : undefined;
    if (r === undefined) {
      // Stuck: the rest hangs on a cycle. Report the cycles and make their members pending.
      const rest = new Set(recList.filter((x) => !x.done).map((x) => x.key));
      const found = findCycles(desired, rest);
      const members = new Set<string>();
      for (const cyc of found) {
        cycles.push(cyc);
        for (const ref of cyc) members.add(keyOf(ref));
      }
      if (members.size === 0) {
        // No cycle in the desired graph: the knot comes from dependencies only the current graph
        // has. Evaluate the smallest remaining item without waiting for them.
        const first = recs.get([...rest].sort(compareKeys)[0]!)!;
        evaluate(first);
        release(first);
        continue;
      }
      for (const m of [...members].sort(compareKeys)) {
        const mr = recs.get(m)!;
        if (mr.done) continue;
        const cyc = found.find((c) => c.some((ref) => keyOf(ref) === m));
        if (desired.nodes.get(m) && !desired.nodes.get(m)!.item.external) {
          markPending(mr, {
            waitingFor: cyc ? cyc[cyc.findIndex((ref) => keyOf(ref) === m) + 1]! : refFromKey(m),
            why: 'cycle',
            detail: `is in a dependency cycle: ${(cyc ?? []).map(formatRef).join(' -> ')}`,
          });
        } else {
          mr.outcome = PENDING;
        }
        release(mr);
      }
      continue;
    }
    if (r.done) continue;
    evaluate(r);
    release(r);
  }

  const { steps, links } = orderSteps(planned, recs, current, desired);
  pending.sort((a, b) => compareKeys(keyOf(a.ref), keyOf(b.ref)));
  deferred.sort((a, b) => compareKeys(keyOf(a.ref), keyOf(b.ref)));
  hookErrors.sort((a, b) => compareKeys(keyOf(a.ref), keyOf(b.ref)));
  const result: Plan = { steps, pending, cycles, deferred, hookErrors };
  stepLinks.set(result, links);
  return result;
}

function recreatedBecause(dep: ItemRef): Reason {
  return { kind: 'dependency-recreated', detail: `${formatRef(dep)} is recreated`, cause: dep };
}

/** A predicate's answer; a throw becomes the evaluated item's HookFailure (never swallowed). */
function testPredicate(
  fn: (spec: Json, args: Json | undefined) => boolean,
  spec: Json,
  predicate: PredicateRef,
  dependency: ItemRef,
): boolean {
  try {
    return fn(spec, predicate.args) === true;
  } catch (err) {
    throw new HookFailure('predicate', errorText(err), predicate, dependency);
  }
}

function labelOf(n: GraphNode): { label?: string } {
  return n.item.label ? { label: n.item.label } : {};
}

function whyText(why: PendingItem['why']): string {
  switch (why) {
    case 'missing':
      return 'does not exist';
    case 'pending':
      return 'is itself pending';
    case 'failed':
      return 'failed and will not be retried until its spec changes';
    case 'retry-wait':
      return 'failed and is waiting to be retried';
    case 'in-progress':
      return 'has an operation in progress';
    case 'cycle':
      return 'is in a dependency cycle';
    default:
      return 'is not satisfied';
  }
}

function deferredOf(k: string, st: ItemStatus): DeferredItem {
  return {
    ref: refFromKey(k),
    nextAttemptAt: st.permanent ? Number.POSITIVE_INFINITY : (st.nextAttemptAt ?? 0),
    lastError: st.lastError ?? '',
    attempts: st.attempts,
    ...(st.permanent ? { permanent: true } : {}),
  };
}

function hasLockedDependent(current: Graph, k: string, locked: ReadonlySet<string>): boolean {
  if (locked.size === 0) return false;
  return (current.dependents.get(k) ?? []).some((d) => locked.has(d));
}

/** Whether current and desired disagree about key k in a way the planner must look at. */
function outOfSync(current: Graph, desired: Graph, k: string): boolean {
  const c = current.nodes.get(k);
  const d = desired.nodes.get(k);
  if (!c && !d) return false;
  if (!d) return !c!.item.external;
  if (d.item.external) return !c?.item.external;
  if (!c || c.item.external) return true;
  return c.item !== d.item && contentKey(c.item) !== contentKey(d.item);
}

function outOfSyncSeeds(
  current: Graph,
  desired: Graph,
  incremental: boolean,
): (ReadonlySet<string> | readonly string[])[] {
  const token = lineageOf(desired);
  const cached = incremental && token ? diffCache.get(token) : undefined;
  const dc = cached ? changedKeys(cached.current, current) : undefined;
  const dd = cached && dc ? changedKeys(cached.desired, desired) : undefined;
  let outOfSyncKeys: Set<string>;
  // Groups of seed keys (a key may stand in several: visiting dedups).
  let seeds: (ReadonlySet<string> | readonly string[])[];
  if (cached && dc && dd) {
    outOfSyncKeys = new Set(cached.outOfSync);
    for (const delta of [dc, dd]) {
      for (const k of delta) {
        if (outOfSync(current, desired, k)) outOfSyncKeys.add(k);
        else outOfSyncKeys.delete(k);
      }
    }
    seeds = [dc, dd, outOfSyncKeys];
  } else {
    outOfSyncKeys = new Set<string>();
    const check = (_n: GraphNode, k: string) => {
      if (outOfSync(current, desired, k)) outOfSyncKeys.add(k);
    };
    desired.nodes.forEach(check);
    current.nodes.forEach(check);
    // Observed (external) items that something depends on: their spec decides predicates.
    const observed: string[] = [];
    current.nodes.forEach((n, k) => {
      if (n.item.external && desired.dependents.has(k)) observed.push(k);
    });
    seeds = [outOfSyncKeys, observed];
  }
  if (token && incremental) diffCache.set(token, { current, desired, outOfSync: outOfSyncKeys });
  return seeds;
}

/**
 * A plan's `after` lists as step indexes (compressed rows: the steps step i waits for are
 * `index[start[i]] .. index[start[i+1]-1]`), so apply links steps without looking ids up by string.
 * Kept beside the plan (a WeakMap), not in it: the plan's shape is public and serialised.
 */
export interface StepLinks {
  readonly start: Int32Array;
  readonly index: Int32Array;
}
const stepLinks = new WeakMap<Plan, StepLinks>();

/** The index form of `p`'s `after` lists when `p` came from plan(); undefined for a plan built by hand. */
export function linksOf(p: Plan): StepLinks | undefined {
  return stepLinks.get(p);
}

/** Turns the planned operations into steps with `after` constraints, in a deterministic order. */
function orderSteps(
  planned: readonly Rec[],
  recs: ReadonlyMap<string, Rec>,
  current: Graph,
  desired: Graph,
): { steps: PlanStep[]; links: StepLinks } {
  const byKey = (k: string): Rec | undefined => recs.get(k);
  const all: Draft[] = [];
  const add = (id: string, rec: Rec, rank: Draft['rank'], op: PlannedOp, phase?: 'delete' | 'create') => {
    const key = rec.key;
    const d: Draft = phase
      ? {
          id,
          key,
          rec,
          rank,
          op,
          phase,
          after: noAfter,
          waiting: 0,
          emitted: false,
          index: -1,
          nextAt: 0,
          nextCount: 0,
        }
      : {
          id,
          key,
          rec,
          rank,
          op,
          after: noAfter,
          waiting: 0,
          emitted: false,
          index: -1,
          nextAt: 0,
          nextCount: 0,
        };
    all.push(d);
    return d;
  };
  for (let pi = 0; pi < planned.length; pi++) {
    const rec = planned[pi]!;
    const k = rec.key;
    const p = rec.planned!;
    const ks = rec;
    if (p.op === 'recreate') {
      ks.del = add(`recreate-delete:${k}`, rec, 0, p, 'delete');
      ks.put = add(`recreate-create:${k}`, rec, 2, p, 'create');
      ks.put.after = [ks.del];
    } else if (p.op === 'modify') {
      ks.put = ks.mod = add(`modify:${k}`, rec, 1, p);
    } else if (p.op === 'create') {
      ks.put = add(`create:${k}`, rec, 2, p);
    } else {
      ks.del = add(`delete:${k}`, rec, 0, p);
    }
  }
  // A step's `after` is gathered in one scratch array and copied out at its exact size: most steps
  // wait for one to three others, and an array grown by push gets a 17-slot backing store.
  const scratch: Draft[] = [];
  const link = (dr: Draft, before: Draft | undefined) => {
    if (!before || before === dr || scratch.includes(before)) return;
    scratch.push(before);
  };
  for (let ai = 0; ai < all.length; ai++) {
    const dr = all[ai]!;
    const k = dr.key;
    scratch.length = 0;
    for (let bi = 0; bi < dr.after.length; bi++) scratch.push(dr.after[bi]!);
    if (dr.rank !== 0) {
      // Dependencies are in place first: created ones always; modified ones when this item's
      // dependency has a predicate (it needs the new spec), else the order does not matter.
      const rec = dr.rec;
      const d = rec.d;
      if (d) {
        // rec.deps starts with the desired dependencies, in order (current-only ones follow).
        for (let i = 0; i < d.item.deps.length; i++) {
          const up = rec.deps[i];
          const put = up?.put;
          if (put && (dr.rank === 2 || put.rank === 2 || d.item.deps[i]!.predicate)) link(dr, put);
        }
      }
    }
    if (dr.rank !== 2) {
      // Dependents that go away (or are unlinked) go first: before k is deleted, always; before k is
      // modified, only those whose dependency on k has a predicate (the others do not care about k's
      // spec, and ordering them anyway can tie a knot with an unlinking modify below).
      const deps = current.dependents.get(k) ?? noKeys;
      for (let di = 0; di < deps.length; di++) {
        const dk = deps[di]!;
        const other = byKey(dk);
        if (!other) continue;
        if (other.del && (dr.rank === 0 || hasPredicateOn(current, dk, k))) link(dr, other.del);
        // A dependent that drops its dependency on k (a modify that unlinks) goes first too, or the
        // change of k would break it on the way.
        if (other.mod && (unlinks(desired, dk, k) || relaxes(current, desired, dk, k))) link(dr, other.mod);
      }
    }
    if (scratch.length !== dr.after.length) dr.after = scratch.slice();
  }
  // The reverse links in one flat array: count, place, fill.
  let linkTotal = 0;
  for (let ai = 0; ai < all.length; ai++) {
    const dr = all[ai]!;
    dr.waiting = dr.after.length;
    linkTotal += dr.after.length;
    for (let bi = 0; bi < dr.after.length; bi++) dr.after[bi]!.nextCount++;
  }
  const nextOf = new Array<Draft>(linkTotal);
  for (let ai = 0, at = 0; ai < all.length; ai++) {
    const dr = all[ai]!;
    dr.nextAt = at;
    at += dr.nextCount;
    dr.nextCount = 0;
  }
  for (let ai = 0; ai < all.length; ai++) {
    const dr = all[ai]!;
    for (let bi = 0; bi < dr.after.length; bi++) {
      const before = dr.after[bi]!;
      nextOf[before.nextAt + before.nextCount++] = dr;
    }
  }
  // Deterministic topological order: among ready steps, deletes, then modifies, then creates, by key.
  const heap = new MinHeap<Draft>((x, y) => (x.rank !== y.rank ? x.rank < y.rank : x.key < y.key));
  for (let ai = 0; ai < all.length; ai++) if (all[ai]!.waiting === 0) heap.push(all[ai]!);
  const out: PlanStep[] = [];
  const emittedOrder: Draft[] = [];
  let linkCount = 0;
  while (out.length < all.length) {
    let dr = heap.pop();
    if (dr === undefined) {
      // Only possible when the current graph itself has a cycle: release the smallest remaining step.
      dr = all.filter((x) => !x.emitted).sort((x, y) => (x.id < y.id ? -1 : 1))[0]!;
      dr.after = dr.after.filter((x) => x.emitted);
    }
    if (dr.emitted) continue;
    dr.emitted = true;
    dr.index = out.length;
    linkCount += dr.after.length;
    const n = dr.after.length;
    const after = n === 0 ? noKeys : n === 1 ? [dr.after[0]!.id] : sortedIds(dr.after);
    out.push(toStep(dr.id, dr.rec, dr.op, dr.phase, after));
    emittedOrder.push(dr);
    for (let ni = dr.nextAt, end = dr.nextAt + dr.nextCount; ni < end; ni++) {
      const w = nextOf[ni]!;
      if (--w.waiting === 0) heap.push(w);
    }
  }
  // The same constraints by index; a step only waits for steps emitted before it.
  const start = new Int32Array(out.length + 1);
  const index = new Int32Array(linkCount);
  let at = 0;
  for (let i = 0; i < emittedOrder.length; i++) {
    start[i] = at;
    const after = emittedOrder[i]!.after;
    for (let bi = 0; bi < after.length; bi++) index[at++] = after[bi]!.index;
  }
  start[out.length] = at;
  return { steps: out, links: { start, index } };
}
/** The shared empty `after` of a step that waits for nothing (replaced, never pushed to). */
const noAfter: Draft[] = [];

/** The ids of a few drafts, sorted (insertion sort: Array#sort allocates per call, and this runs per step). */
function sortedIds(drafts: readonly Draft[]): string[] {
  // Exactly sized: an empty array grown by push gets a 17-slot backing store.
  const out = new Array<string>(drafts.length);
  for (let di = 0; di < drafts.length; di++) {
    const id = drafts[di]!.id;
    let i = di;
    while (i > 0 && out[i - 1]! > id) {
      out[i] = out[i - 1]!;
      i--;
    }
    out[i] = id;
  }
  return out;
}

/** Whether the desired `dependent` no longer depends on `required`. */
function unlinks(desired: Graph, dependent: string, required: string): boolean {
  return !depKeys(desired.nodes.get(dependent)!.item).includes(required);
}

/** Whether `dependent` drops the predicate it has on `required` (it stops caring about its spec). */
function relaxes(current: Graph, desired: Graph, dependent: string, required: string): boolean {
  if (!hasPredicateOn(current, dependent, required)) return false;
  const want = desired.nodes.get(dependent)!.item;
  const i = depKeys(want).indexOf(required);
  return i >= 0 && want.deps[i]!.predicate === undefined;
}

/** Whether the current item `dependent` depends on `required` through a predicate. */
function hasPredicateOn(current: Graph, dependent: string, required: string): boolean {
  const it = current.nodes.get(dependent)?.item;
  if (!it) return false;
  const i = depKeys(it).indexOf(required);
  return i >= 0 && it.deps[i]?.predicate !== undefined;
}

/** The reference of a record's item, reusing the item's strings (no slicing of the key). */
function refOfRec(rec: Rec): ItemRef {
  const it = (rec.d ?? rec.c)?.item;
  return it ? { type: it.type, name: it.name } : refFromKey(rec.key);
}

function toStep(
  id: string,
  rec: Rec,
  p: PlannedOp,
  phase: 'delete' | 'create' | undefined,
  after: readonly string[],
): PlanStep {
  const step: {
    id: string;
    op: StepOp;
    phase?: 'delete' | 'create';
    ref: ItemRef;
    label?: string;
    reason: Reason;
    patch?: readonly Operation[];
    after: readonly string[];
  } = { id, op: p.op, ref: refOfRec(rec), reason: p.reason, after };
  if (phase) step.phase = phase;
  if (p.label) step.label = p.label;
  if (p.patch) step.patch = p.patch;
  return step;
}

/** True when the plan changes nothing (no steps). Pending and deferred items do not count. */
export function isEmptyPlan(p: Plan): boolean {
  return p.steps.length === 0;
}
