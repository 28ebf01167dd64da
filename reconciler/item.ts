/** Building items: validation, freezing, identity keys and equality. */
import type { Dependency, Item, ItemRef, Json } from './api.js';
import { canonicalJson, deepFreeze } from './canonical.js';
import { DuplicateDependencyError, ExternalWithDependenciesError, InvalidItemError } from './errors.js';

export interface ItemInit<S extends Json = Json> {
  readonly type: string;
  readonly name: string;
  readonly spec: S;
  readonly deps?: readonly Dependency[];
  readonly external?: boolean;
  readonly label?: string;
}

/** The graph key of an item or reference: `type/name` (types cannot contain '/', so keys are unique). */
export function keyOf(ref: ItemRef): string {
  return `${ref.type}/${ref.name}`;
}

export function refOf(item: ItemRef): ItemRef {
  return { type: item.type, name: item.name };
}

export function refFromKey(key: string): ItemRef {
  const i = key.indexOf('/');
  return { type: key.slice(0, i), name: key.slice(i + 1) };
}

export function formatRef(ref: ItemRef): string {
  return `${ref.type}/${ref.name}`;
}

/**
 * Creates a validated, deep-frozen item. Throws InvalidItemError, DuplicateDependencyError or
 * ExternalWithDependenciesError instead of accepting something the planner would misread.
 */
export function item<S extends Json>(init: ItemInit<S>): Item<S> {
  validateRef(init, 'item');
  const deps = init.deps ?? [];
  const external = init.external ?? false;
  if (external && deps.length > 0) throw new ExternalWithDependenciesError(init);
  const seen = new Set<string>();
  for (const dep of deps) {
    validateRef(dep.ref, `dependency of ${init.type}/${init.name}`);
    const k = keyOf(dep.ref);
    if (seen.has(k)) throw new DuplicateDependencyError(init, dep.ref);
    seen.add(k);
  }
  const specText = canonicalJson(init.spec); // throws on anything that is not plain JSON
  const frozenDeps = deepFreeze(
    deps.map((d) => {
      const dep: { ref: ItemRef; description: string; predicate?: { name: string; args?: Json } } = {
        ref: refOf(d.ref),
        description: d.description,
      };
      if (d.predicate) {
        dep.predicate =
          d.predicate.args === undefined
            ? { name: d.predicate.name }
            : { name: d.predicate.name, args: d.predicate.args };
      }
      return dep;
    }) as unknown as Json,
  ) as unknown as readonly Dependency[];
  const out: Item<S> = {
    type: init.type,
    name: init.name,
    spec: deepFreeze(init.spec),
    deps: frozenDeps,
    external,
    ...(init.label === undefined ? {} : { label: init.label }),
  };
  // The text validation produced is the spec's key: planning compares it, so it is not built twice.
  specKeys.set(out, specText);
  return Object.freeze(out);
}

function validateRef(ref: ItemRef, what: string): void {
  if (typeof ref.type !== 'string' || ref.type === '' || ref.type.includes('/')) {
    throw new InvalidItemError(
      `${what}: type must be a non-empty string without '/' (got ${JSON.stringify(ref.type)})`,
    );
  }
  if (typeof ref.name !== 'string' || ref.name === '') {
    throw new InvalidItemError(`${what} ${ref.type}: name must be a non-empty string`);
  }
}

const contentKeys = new WeakMap<Item, string>();

/**
 * Canonical text of everything that makes two items "the same" for the planner: spec, dependencies and
 * the external flag (the label is for display only). Cached per item object.
 */
export function contentKey(it: Item): string {
  let k = contentKeys.get(it);
  if (k === undefined) {
    const deps = it.deps.length === 0 ? '[]' : canonicalJson(it.deps as unknown as Json);
    k = `${it.external ? 'x' : 'm'}${specKey(it)}|${deps}`;
    contentKeys.set(it, k);
  }
  return k;
}

/** Whether two items have equal content (see contentKey). */
export function sameContent(a: Item, b: Item): boolean {
  return a === b || contentKey(a) === contentKey(b);
}

const specKeys = new WeakMap<Item, string>();

/** Canonical text of the spec alone. */
export function specKey(it: Item): string {
  let k = specKeys.get(it);
  if (k === undefined) {
    k = canonicalJson(it.spec);
    specKeys.set(it, k);
  }
  return k;
}

const depKeyCache = new WeakMap<Item, readonly string[]>();

/** The graph keys of an item's dependencies, in order (cached: planning looks them up often). */
export function depKeys(it: Item): readonly string[] {
  let ks = depKeyCache.get(it);
  if (ks === undefined) {
    ks = it.deps.map((d) => keyOf(d.ref));
    depKeyCache.set(it, ks);
  }
  return ks;
}
