/**
 * A dbus-next Interface whose members come from an InterfaceSpec (configureMembers, never
 * decorators: node-stack.md §1.4.3). Property values are kept in wire form in a map; `update()`
 * emits one PropertiesChanged with exactly the properties whose value changed, as MM does.
 * Method calls are forwarded to a handler table supplied per instance.
 */
import dbus from '@particle/dbus-next';
import { MMError, mmError } from './errors.js';
import type { InterfaceSpec } from './spec.js';
import { sameValue } from './wire.js';

export type MethodImpl = (...args: never[]) => unknown;
export type MethodTable = Record<string, MethodImpl>;

export class SimInterface extends dbus.interface.Interface {
  readonly spec: InterfaceSpec;
  readonly #values = new Map<string, unknown>();
  readonly #handlers: MethodTable;

  constructor(spec: InterfaceSpec, initial: Record<string, unknown>, handlers: MethodTable) {
    super(spec.name);
    this.spec = spec;
    this.#handlers = handlers;
    for (const name of Object.keys(spec.properties)) {
      if (!(name in initial)) throw new Error(`mmsim: ${spec.name}.${name} has no initial value`);
      this.#values.set(name, initial[name]);
    }
    for (const m of Object.keys(spec.methods)) {
      if (typeof handlers[m] !== 'function') throw new Error(`mmsim: ${spec.name}.${m} has no handler`);
    }
  }

  get name(): string {
    return this.spec.name;
  }

  prop(name: string): unknown {
    if (!this.#values.has(name)) throw new Error(`mmsim: ${this.spec.name} has no property ${name}`);
    return this.#values.get(name);
  }

  /** Every property in wire form, as GetAll / GetManagedObjects / InterfacesAdded need them. */
  allVariants(): Record<string, dbus.Variant> {
    const out: Record<string, dbus.Variant> = {};
    for (const [name, p] of Object.entries(this.spec.properties)) {
      out[name] = new dbus.Variant(p.type, this.#values.get(name));
    }
    return out;
  }

  /** Sets properties; emits PropertiesChanged (one signal) for those whose value really changed. */
  update(changes: Record<string, unknown>): void {
    const changed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(changes)) {
      if (!this.#values.has(name)) throw new Error(`mmsim: ${this.spec.name} has no property ${name}`);
      if (sameValue(this.#values.get(name), value)) continue;
      this.#values.set(name, value);
      changed[name] = value;
    }
    if (Object.keys(changed).length > 0) dbus.interface.Interface.emitPropertiesChanged(this, changed, []);
  }

  /**
   * Fault injection: one PropertiesChanged with these Variants as they are (any type, any name) and
   * `invalidated` names, storing nothing: Get and GetAll still answer the real values.
   */
  emitRawPropertiesChanged(changed: Record<string, dbus.Variant>, invalidated: readonly string[] = []): void {
    const emitter = (this as unknown as { $emitter: { emit(e: string, ...a: unknown[]): void } }).$emitter;
    emitter.emit('properties-changed', changed, [...invalidated]);
  }

  /** Called by the generated prototype methods; errors thrown here become D-Bus error replies. */
  dispatch(member: string, args: unknown[]): unknown {
    const fn = this.#handlers[member] as ((...a: unknown[]) => unknown) | undefined;
    if (!fn) throw mmError(MMError.Unsupported, `${member} is not implemented by the simulator`);
    return fn(...args);
  }
}

type SimInterfaceClass = new (
  initial: Record<string, unknown>,
  handlers: MethodTable,
) => SimInterface & Record<string, unknown>;

const classes = new Map<InterfaceSpec, SimInterfaceClass>();

/** One subclass per spec: configureMembers stores the member table on the prototype. */
export function interfaceClass(spec: InterfaceSpec): SimInterfaceClass {
  const known = classes.get(spec);
  if (known) return known;
  const cls = class extends SimInterface {
    constructor(initial: Record<string, unknown>, handlers: MethodTable) {
      super(spec, initial, handlers);
    }
  };
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const name of Object.keys(spec.properties)) {
    Object.defineProperty(proto, name, {
      get(this: SimInterface) {
        return this.prop(name);
      },
      configurable: true,
    });
  }
  for (const name of Object.keys(spec.methods)) {
    proto[name] = function (this: SimInterface, ...a: unknown[]) {
      return this.dispatch(name, a);
    };
  }
  for (const [name, sigArgs] of Object.entries(spec.signals)) {
    // dbus-next wraps this: it emits whatever the function returns (one value, or an array for several).
    proto[name] = (...a: unknown[]) => (sigArgs.length === 0 ? undefined : sigArgs.length === 1 ? a[0] : a);
  }
  cls.configureMembers({
    properties: Object.fromEntries(
      Object.entries(spec.properties).map(([n, p]) => [n, { signature: p.type, access: p.access }]),
    ),
    methods: Object.fromEntries(
      Object.entries(spec.methods).map(([n, ms]) => [
        n,
        { inSignature: ms.in.map((a) => a.type).join(''), outSignature: ms.out.map((a) => a.type).join('') },
      ]),
    ),
    signals: Object.fromEntries(
      Object.entries(spec.signals).map(([n, sa]) => [n, { signature: sa.map((a) => a.type).join('') }]),
    ),
  });
  const typed = cls as unknown as SimInterfaceClass;
  classes.set(spec, typed);
  return typed;
}

export function makeInterface(
  spec: InterfaceSpec,
  initial: Record<string, unknown>,
  handlers: MethodTable,
): SimInterface {
  const Cls = interfaceClass(spec);
  return new Cls(initial, handlers);
}

/** Emits a signal declared in the spec (the generated prototype function routes it to the bus). */
export function emitSignal(iface: SimInterface, name: string, ...a: unknown[]): void {
  const fn = (iface as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`mmsim: ${iface.name} has no signal ${name}`);
  fn.apply(iface, a);
}
