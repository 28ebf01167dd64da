/**
 * The immutable object tree of ModemManager: every object path under /org/freedesktop/ModemManager1
 * (modems, SIMs, bearers) with its interfaces and their properties, as GetManagedObjects,
 * InterfacesAdded/Removed and PropertiesChanged describe them.
 *
 * Pure reducers over immer: every update returns a new frozen Snapshot sharing the untouched
 * parts, so the reconciler can keep an old snapshot, diff by reference, and never sees a
 * half-applied update. No I/O here; the client feeds the reducers.
 */
import { castDraft, produce } from 'immer';
import { type DBusPlain, isDict } from '../dbus/index.js';
import { checkedProps, fitsShape, ignored, type OnIgnored } from './shapes.js';
import { IFACE, type InterfaceProps, type PropsRecord } from './types.js';

/** Interface name → property name → value. */
export type ObjectInterfaces = { readonly [iface: string]: PropsRecord };

export interface Snapshot {
  /** Unique bus name of the ModemManager process the tree came from; undefined when MM is absent. */
  readonly owner: string | undefined;
  /** Manager `Version` of that process (read once per owner). */
  readonly version: string | undefined;
  /** Incremented on every full resync (MM appeared, restarted, or our bus reconnected). */
  readonly generation: number;
  readonly objects: { readonly [path: string]: ObjectInterfaces };
}

export function emptySnapshot(): Snapshot {
  return produce({ owner: undefined, version: undefined, generation: 0, objects: {} } as Snapshot, () => {});
}

/** The interfaces of one object; property values of the wrong type are left out (`shapes.ts`). */
function toInterfaces(
  path: string,
  raw: DBusPlain | undefined,
  onIgnored?: OnIgnored,
): Record<string, PropsRecord> {
  const out: Record<string, PropsRecord> = {};
  if (!isDict(raw)) return out;
  for (const [iface, props] of Object.entries(raw)) {
    out[iface] = isDict(props) ? checkedProps(path, iface, props, onIgnored) : {};
  }
  return out;
}

/** Replaces the whole tree with a GetManagedObjects reply (`a{oa{sa{sv}}}`, unwrapped). */
export function fromManagedObjects(
  prev: Snapshot,
  managed: DBusPlain | undefined,
  meta: { owner: string | undefined; version: string | undefined },
  onIgnored?: OnIgnored,
): Snapshot {
  return produce(prev, (d) => {
    d.owner = meta.owner;
    d.version = meta.version;
    d.generation = prev.generation + 1;
    const objects: Record<string, ObjectInterfaces> = {};
    if (isDict(managed)) {
      for (const [path, ifaces] of Object.entries(managed))
        objects[path] = toInterfaces(path, ifaces, onIgnored);
    }
    d.objects = castDraft(objects);
  });
}

/** ModemManager went away: nothing it exported exists any more. */
export function vanished(prev: Snapshot): Snapshot {
  return produce(prev, (d) => {
    d.owner = undefined;
    d.version = undefined;
    d.objects = {};
  });
}

/** ObjectManager.InterfacesAdded(o, a{sa{sv}}): adds or replaces those interfaces. */
export function interfacesAdded(
  prev: Snapshot,
  path: string,
  ifaces: DBusPlain | undefined,
  onIgnored?: OnIgnored,
): Snapshot {
  return produce(prev, (d) => {
    const obj = d.objects[path] ?? {};
    for (const [iface, props] of Object.entries(toInterfaces(path, ifaces, onIgnored)))
      obj[iface] = castDraft(props);
    d.objects[path] = obj;
  });
}

/** ObjectManager.InterfacesRemoved(o, as): removes them; the object goes with its last interface. */
export function interfacesRemoved(prev: Snapshot, path: string, names: readonly string[]): Snapshot {
  if (!prev.objects[path]) return prev;
  return produce(prev, (d) => {
    const obj = d.objects[path];
    if (!obj) return;
    for (const n of names) delete obj[n];
    if (Object.keys(obj).length === 0) delete d.objects[path];
  });
}

/**
 * Properties.PropertiesChanged(s, a{sv}, as). Ignored for objects or interfaces we do not know:
 * ModemManager announces objects with InterfacesAdded first, so such a signal is stale. A value of
 * the wrong type is reported to `onIgnored` and changes nothing (the last good value stays).
 */
export function propertiesChanged(
  prev: Snapshot,
  path: string,
  iface: string,
  changed: DBusPlain | undefined,
  invalidated: readonly string[] = [],
  onIgnored?: OnIgnored,
): Snapshot {
  if (!prev.objects[path]?.[iface]) return prev;
  return produce(prev, (d) => {
    const props = d.objects[path]?.[iface] as Record<string, DBusPlain | undefined> | undefined;
    if (!props) return;
    if (isDict(changed))
      for (const [k, v] of Object.entries(changed)) {
        if (fitsShape(iface, k, v)) props[k] = castDraft(v);
        else onIgnored?.(ignored(path, iface, k, v));
      }
    for (const k of invalidated) delete props[k];
  });
}

/* ---------------------------------------------------------------------------------- selectors */

/** Typed properties of one interface of one object, or undefined. */
export function propsOf<I extends keyof InterfaceProps>(
  snap: Snapshot,
  path: string,
  iface: I,
): InterfaceProps[I] | undefined {
  return snap.objects[path]?.[iface] as InterfaceProps[I] | undefined;
}

/** Object paths implementing the Modem interface, sorted by their numeric index. */
export function modemPaths(snap: Snapshot): string[] {
  return Object.keys(snap.objects)
    .filter((p) => snap.objects[p]?.[IFACE.modem] !== undefined)
    .sort((a, b) => pathIndex(a) - pathIndex(b));
}

/** The trailing number of `/org/freedesktop/ModemManager1/Modem/7` (NaN when none). */
export function pathIndex(path: string): number {
  const m = /\/(\d+)$/.exec(path);
  return m ? Number(m[1]) : Number.NaN;
}

/** Everything known about one modem, with its SIM and bearers resolved. */
export interface ModemView {
  readonly path: string;
  readonly interfaces: readonly string[];
  readonly modem: InterfaceProps[typeof IFACE.modem];
  readonly modem3gpp: InterfaceProps[typeof IFACE.modem3gpp] | undefined;
  readonly signal: InterfaceProps[typeof IFACE.signal] | undefined;
  readonly location: InterfaceProps[typeof IFACE.location] | undefined;
  readonly sim: { readonly path: string; readonly props: InterfaceProps[typeof IFACE.sim] } | undefined;
  readonly bearers: readonly { readonly path: string; readonly props: InterfaceProps[typeof IFACE.bearer] }[];
}

export function modemView(snap: Snapshot, path: string): ModemView | undefined {
  const modem = propsOf(snap, path, IFACE.modem);
  if (!modem) return undefined;
  const simPath = modem.Sim;
  const simProps = simPath && simPath !== '/' ? propsOf(snap, simPath, IFACE.sim) : undefined;
  const bearers = (modem.Bearers ?? []).flatMap((bp) => {
    const props = propsOf(snap, bp, IFACE.bearer);
    return props ? [{ path: bp, props }] : [];
  });
  return {
    path,
    interfaces: Object.keys(snap.objects[path] ?? {}),
    modem,
    modem3gpp: propsOf(snap, path, IFACE.modem3gpp),
    signal: propsOf(snap, path, IFACE.signal),
    location: propsOf(snap, path, IFACE.location),
    sim: simPath && simProps ? { path: simPath, props: simProps } : undefined,
    bearers,
  };
}

export function modems(snap: Snapshot): ModemView[] {
  return modemPaths(snap).flatMap((p) => {
    const v = modemView(snap, p);
    return v ? [v] : [];
  });
}

/* ------------------------------------------------------------------------ SIM / bearer objects */

/**
 * ModemManager's ObjectManager exports only modems: SIM and bearer objects are plain objects
 * referenced from Modem properties (Sim, SimSlots, Bearers, Modem3gpp.InitialEpsBearer). The
 * client loads them with Properties.GetAll; these two functions say which ones are needed.
 */
export function referencedObjects(snap: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  const add = (p: unknown, iface: string): void => {
    if (typeof p === 'string' && p !== '/' && p !== '') out.set(p, iface);
  };
  for (const path of modemPaths(snap)) {
    const m = propsOf(snap, path, IFACE.modem);
    add(m?.Sim, IFACE.sim);
    for (const s of m?.SimSlots ?? []) add(s, IFACE.sim);
    for (const b of m?.Bearers ?? []) add(b, IFACE.bearer);
    add(propsOf(snap, path, IFACE.modem3gpp)?.InitialEpsBearer, IFACE.bearer);
  }
  return out;
}

/** Referenced SIM/bearer objects not loaded yet: path → the interface to GetAll. */
export function missingObjects(snap: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const [p, iface] of referencedObjects(snap)) if (!snap.objects[p]?.[iface]) out.set(p, iface);
  return out;
}

/** Drops SIM/bearer objects no modem references any more (deleted bearers, removed modems). */
export function pruneUnreferenced(snap: Snapshot): Snapshot {
  const keep = referencedObjects(snap);
  const drop = Object.keys(snap.objects).filter(
    (p) => snap.objects[p]?.[IFACE.modem] === undefined && !keep.has(p) && isSubObject(snap.objects[p]),
  );
  if (drop.length === 0) return snap;
  return produce(snap, (d) => {
    for (const p of drop) delete d.objects[p];
  });
}

function isSubObject(o: ObjectInterfaces | undefined): boolean {
  return o !== undefined && (o[IFACE.sim] !== undefined || o[IFACE.bearer] !== undefined);
}
