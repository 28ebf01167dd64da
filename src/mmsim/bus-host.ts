/**
 * Owns the simulator's D-Bus connection: exports objects, takes the well-known name, records calls,
 * injects hanging calls, answers Introspect with argument names, and implements
 * org.freedesktop.DBus.ObjectManager by hand (dbus-next cannot export it, node-stack.md §1.4.12).
 *
 * Like ModemManager (modems via GDBusObjectManagerServer, SIMs and bearers via
 * g_dbus_interface_skeleton_export), only modem objects are "managed": GetManagedObjects,
 * InterfacesAdded and InterfacesRemoved cover /Modem/N; SIM and bearer objects are plain exported
 * objects that clients reach through the Modem's Sim/SimSlots/Bearers properties.
 *
 * The connection can go away and come back (`goOffline`/`goOnline`), which gives a new unique name:
 * that is how a ModemManager restart looks to clients.
 */
import dbus from '@particle/dbus-next';
import { dropMessagesAfterClose } from './closed-connection.js';
import { emitSignal, makeInterface, type SimInterface } from './iface.js';
import { nodeXml } from './introspect.js';
import { installUint32KeyFix } from './marshal-fix.js';
import { IFACE, MM_BUS_NAME, MM_PATH, MODEM_PATH_PREFIX } from './names.js';
import { CallRecorder } from './recorder.js';
import { objectManagerSpec } from './spec.js';

const DO_NOT_QUEUE = 4;
const PRIMARY_OWNER = 1;
const METHOD_CALL = 1;
const DBUS_UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';
const DBUS_INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs';

export interface HangRule {
  readonly member: string;
  readonly interface?: string;
  readonly path?: string;
  /** How many matching calls to swallow; Infinity for all. */
  remaining: number;
}

interface RawMessage {
  type: number;
  sender?: string;
  path?: string;
  interface?: string;
  member?: string;
  signature?: string;
  body?: unknown[];
}

export class BusHost {
  readonly recorder = new CallRecorder();
  readonly #address: string;
  readonly #objects = new Map<string, SimInterface[]>();
  readonly #root: SimInterface[];
  readonly #objectManager: SimInterface;
  readonly #hangs: HangRule[] = [];
  #bus: dbus.MessageBus | undefined;
  #uniqueName = '';

  constructor(address: string, managerIface: SimInterface) {
    this.#address = address;
    this.#objectManager = makeInterface(
      objectManagerSpec,
      {},
      { GetManagedObjects: () => this.managedObjects() },
    );
    this.#root = [this.#objectManager, managerIface];
  }

  get online(): boolean {
    return this.#bus !== undefined;
  }

  /** The unique bus name (`:1.N`) of the current connection; '' while offline. */
  get uniqueName(): string {
    return this.#bus ? this.#uniqueName : '';
  }

  async goOnline(): Promise<void> {
    if (this.#bus) return;
    const bus = dbus.sessionBus({ busAddress: this.#address });
    await new Promise<void>((resolve, reject) => {
      bus.once('connect', () => resolve());
      bus.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    });
    // After the handshake, errors (e.g. the daemon dying) must not crash the process.
    bus.on('error', () => {});
    installUint32KeyFix(bus);
    dropMessagesAfterClose(bus);
    this.#uniqueName = (bus as unknown as { name: string }).name;
    bus.addMethodHandler((msg: RawMessage) => this.#onMethodCall(bus, msg));
    for (const i of this.#root) bus.export(MM_PATH, i);
    for (const [path, ifaces] of this.#objects) for (const i of ifaces) bus.export(path, i);
    const reply = await bus.requestName(MM_BUS_NAME, DO_NOT_QUEUE);
    if (reply !== PRIMARY_OWNER) {
      bus.disconnect();
      throw new Error(`mmsim: cannot own ${MM_BUS_NAME} on ${this.#address} (RequestName reply ${reply})`);
    }
    this.#bus = bus;
  }

  /** Releases the name and closes the connection (clients see NameOwnerChanged to ''). */
  async goOffline(): Promise<void> {
    const bus = this.#bus;
    if (!bus) return;
    this.#bus = undefined;
    // A call on a dead connection never settles (node-stack.md §1.4.10): bound the wait. Closing
    // the connection releases the name anyway; releasing first just orders the signals like MM's exit.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      bus.releaseName(MM_BUS_NAME).catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1000);
      }),
    ]);
    clearTimeout(timer);
    unexportPath(bus, MM_PATH);
    for (const path of this.#objects.keys()) unexportPath(bus, path);
    bus.disconnect();
  }

  hang(rule: HangRule): void {
    this.#hangs.push(rule);
  }

  clearHangs(): void {
    this.#hangs.length = 0;
  }

  has(path: string): boolean {
    return this.#objects.has(path);
  }

  paths(): string[] {
    return [...this.#objects.keys()];
  }

  /** Exports an object; modem objects are announced with InterfacesAdded. */
  exportObject(path: string, ifaces: SimInterface[]): void {
    if (this.#objects.has(path)) throw new Error(`mmsim: ${path} is already exported`);
    this.#objects.set(path, ifaces);
    if (this.#bus) for (const i of ifaces) this.#bus.export(path, i);
    if (path.startsWith(MODEM_PATH_PREFIX)) {
      emitSignal(this.#objectManager, 'InterfacesAdded', path, interfacesAndProperties(ifaces));
    }
  }

  unexportObject(path: string): void {
    const ifaces = this.#objects.get(path);
    if (!ifaces) return;
    this.#objects.delete(path);
    if (path.startsWith(MODEM_PATH_PREFIX)) {
      emitSignal(
        this.#objectManager,
        'InterfacesRemoved',
        path,
        ifaces.map((i) => i.name),
      );
    }
    if (this.#bus) unexportPath(this.#bus, path);
  }

  /** Forgets every object without signals (used while offline to model a daemon restart). */
  dropAllObjects(): void {
    if (this.#bus) for (const path of this.#objects.keys()) unexportPath(this.#bus, path);
    this.#objects.clear();
  }

  managedObjects(): Record<string, Record<string, Record<string, dbus.Variant>>> {
    const out: Record<string, Record<string, Record<string, dbus.Variant>>> = {};
    for (const [path, ifaces] of this.#objects) {
      if (path.startsWith(MODEM_PATH_PREFIX)) out[path] = interfacesAndProperties(ifaces);
    }
    return out;
  }

  /** The introspection XML the simulator serves for `path`. */
  introspect(path: string): string {
    const ifaces = path === MM_PATH ? this.#root : this.#objects.get(path);
    return nodeXml(path, ifaces, [MM_PATH, ...this.#objects.keys()]);
  }

  #onMethodCall(bus: dbus.MessageBus, msg: RawMessage): boolean {
    if (msg.type !== METHOD_CALL) return false;
    this.recorder.record(msg);
    const hang = this.#hangs.find(
      (h) =>
        h.remaining > 0 &&
        h.member === msg.member &&
        (h.interface === undefined || h.interface === msg.interface) &&
        (h.path === undefined || h.path === msg.path),
    );
    if (hang) {
      hang.remaining--;
      return true; // handled: no reply is ever sent
    }
    if (msg.interface === IFACE.introspectable && msg.member === 'Introspect' && msg.path) {
      bus.send(dbus.Message.newMethodReturn(msg as dbus.Message, 's', [this.introspect(msg.path)]));
      return true;
    }
    const error = this.#genericError(msg);
    if (!error) return false;
    // dbus-next's typings say `msg: string`; the implementation takes the call Message.
    bus.send(dbus.Message.newError(msg as unknown as string, error[0], error[1]));
    return true;
  }

  /**
   * The errors GDBus (hence ModemManager) gives for calls that do not reach a handler, with its
   * wording (observed on the real-MM kit). dbus-next's own answers differ, and its Properties.Set
   * even replies twice; everything valid falls through to dbus-next.
   */
  #genericError(msg: RawMessage): [string, string] | undefined {
    if (!msg.path || !msg.interface || !msg.member || msg.interface === IFACE.peer) return undefined;
    const ifaces = msg.path === MM_PATH ? this.#root : this.#objects.get(msg.path);
    if (!ifaces) return [DBUS_UNKNOWN_METHOD, `Object does not exist at path “${msg.path}”`];
    const sig = msg.signature ?? '';
    const body = msg.body ?? [];
    if (msg.interface === IFACE.properties) {
      const want = { Get: 'ss', GetAll: 's', Set: 'ssv' }[msg.member];
      if (want === undefined || sig !== want) return undefined;
      const iface = ifaces.find((i) => i.name === body[0]);
      if (!iface) return [DBUS_INVALID_ARGS, `No such interface “${String(body[0])}”`];
      if (msg.member === 'GetAll') return undefined;
      const prop = iface.spec.properties[String(body[1])];
      if (!prop) return [DBUS_INVALID_ARGS, `No such property “${String(body[1])}”`];
      if (msg.member === 'Set' && prop.access === 'read') {
        return [DBUS_INVALID_ARGS, `Property “${String(body[1])}” is not writable`];
      }
      return undefined;
    }
    const iface = ifaces.find((i) => i.name === msg.interface);
    if (!iface)
      return [DBUS_UNKNOWN_METHOD, `No such interface “${msg.interface}” on object at path ${msg.path}`];
    const method = iface.spec.methods[msg.member];
    if (!method) return [DBUS_UNKNOWN_METHOD, `No such method “${msg.member}”`];
    const expected = method.in.map((a) => a.type).join('');
    if (sig !== expected) {
      return [DBUS_INVALID_ARGS, `Type of message, “(${sig})”, does not match expected type “(${expected})”`];
    }
    return undefined;
  }
}

function interfacesAndProperties(
  ifaces: readonly SimInterface[],
): Record<string, Record<string, dbus.Variant>> {
  const out: Record<string, Record<string, dbus.Variant>> = {};
  for (const i of ifaces) out[i.name] = i.allVariants();
  return out;
}

/** dbus-next's typings require an interface, but unexport(path) (all interfaces) is what we need:
 * unexport(path, iface) drops the whole object anyway (it tests `interfaces.length` on an object). */
function unexportPath(bus: dbus.MessageBus, path: string): void {
  (bus as unknown as { unexport(p: string): void }).unexport(path);
}
