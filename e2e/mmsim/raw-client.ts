/**
 * Test fixture for the simulator e2e tests: a private bus, a simulator on it, and a RAW dbus-next
 * client (deliberately not src/modemmanager: these tests pin down the simulator's wire behaviour on
 * their own). The client records every signal it sees so tests can wait for and inspect them.
 */
import type { TestContext } from 'node:test';
import dbus from '@particle/dbus-next';
import { MM_BUS_NAME } from '../../src/mmsim/names.js';
import { ModemManagerSimulator, type SimulatorOptions } from '../../src/mmsim/simulator.js';
import { unwrap } from '../../src/mmsim/wire.js';
import { type PrivateBus, startPrivateBus } from '../harness/dbus-daemon.js';
import { skipUnless } from '../harness/require.js';

const SIGNAL = 4;
const DBUS = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
};

export interface SeenSignal {
  readonly sender: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly args: unknown[];
  /** For PropertiesChanged: the raw changed dict (Variants kept, to check wire signatures). */
  readonly raw: unknown[];
}

export interface DbusFailure {
  readonly type: string;
  readonly text: string;
}

export class RawClient {
  readonly bus: dbus.MessageBus;
  readonly signals: SeenSignal[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(bus: dbus.MessageBus) {
    this.bus = bus;
    bus.on('message', (msg: dbus.Message) => {
      if (msg.type !== SIGNAL) return;
      this.signals.push({
        sender: msg.sender,
        path: msg.path,
        interface: msg.interface,
        member: msg.member,
        args: (msg.body ?? []).map(unwrap),
        raw: msg.body ?? [],
      });
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(address: string): Promise<RawClient> {
    const bus = dbus.sessionBus({ busAddress: address });
    await new Promise<void>((resolve, reject) => {
      bus.once('connect', () => resolve());
      bus.once('error', reject);
    });
    bus.on('error', () => {});
    const c = new RawClient(bus);
    // Every signal on this private bus (MM's and the bus daemon's NameOwnerChanged).
    await c.callTo(DBUS.destination, DBUS.path, DBUS.interface, 'AddMatch', 's', ["type='signal'"]);
    return c;
  }

  async callTo(
    dest: string,
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: unknown[] = [],
  ) {
    const reply = await this.bus.call(
      new dbus.Message({ destination: dest, path, interface: iface, member, signature, body }),
    );
    return reply?.body ?? [];
  }

  /** A method call on ModemManager; resolves to the unwrapped reply values. */
  async call(
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: unknown[] = [],
  ): Promise<unknown[]> {
    return (await this.callTo(MM_BUS_NAME, path, iface, member, signature, body)).map(unwrap);
  }

  /** The same, returning the raw reply body (Variants and BigInts as on the wire). */
  async callRaw(
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: unknown[] = [],
  ): Promise<unknown[]> {
    return this.callTo(MM_BUS_NAME, path, iface, member, signature, body);
  }

  /** Calls and expects a D-Bus error; resolves to its name and text. */
  async callFails(
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: unknown[] = [],
  ): Promise<DbusFailure> {
    try {
      await this.call(path, iface, member, signature, body);
    } catch (e) {
      const err = e as { type?: string; text?: string };
      return { type: err.type ?? String(e), text: err.text ?? '' };
    }
    throw new Error(`${iface}.${member} on ${path} succeeded, expected an error`);
  }

  async getAll(path: string, iface: string): Promise<Record<string, unknown>> {
    const [all] = await this.call(path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [iface]);
    return all as Record<string, unknown>;
  }

  async getAllRaw(path: string, iface: string): Promise<Record<string, dbus.Variant>> {
    const [all] = await this.callRaw(path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [iface]);
    return all as Record<string, dbus.Variant>;
  }

  async get(path: string, iface: string, prop: string): Promise<unknown> {
    const [x] = await this.call(path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [iface, prop]);
    return x;
  }

  async managedObjects(): Promise<Record<string, Record<string, Record<string, unknown>>>> {
    const [objs] = await this.call(
      '/org/freedesktop/ModemManager1',
      'org.freedesktop.DBus.ObjectManager',
      'GetManagedObjects',
    );
    return objs as Record<string, Record<string, Record<string, unknown>>>;
  }

  async nameOwner(name = MM_BUS_NAME): Promise<string> {
    try {
      const [owner] = await this.callTo(DBUS.destination, DBUS.path, DBUS.interface, 'GetNameOwner', 's', [
        name,
      ]);
      return owner as string;
    } catch {
      return '';
    }
  }

  /** Signals seen from index `from` on that match. */
  find(pred: (s: SeenSignal) => boolean, from = 0): SeenSignal[] {
    return this.signals.slice(from).filter(pred);
  }

  /** Waits until a signal (seen from index `from`) matches; rejects after `timeoutMs`. */
  waitSignal(pred: (s: SeenSignal) => boolean, from = 0, timeoutMs = 3000): Promise<SeenSignal> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.signals.slice(from).find(pred);
        if (!hit) return false;
        clearTimeout(timer);
        this.#waiters.delete(onSignal);
        resolve(hit);
        return true;
      };
      const onSignal = () => {
        check();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(onSignal);
        reject(new Error(`no matching signal within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(onSignal);
    });
  }

  close(): void {
    this.bus.disconnect();
  }
}

export interface Fixture {
  readonly bus: PrivateBus;
  readonly sim: ModemManagerSimulator;
  readonly client: RawClient;
}

/**
 * Starts bus + simulator + raw client and registers their cleanup with `t.after`.
 * Returns undefined when dbus-daemon is missing (skip locally, fail in CI).
 */
export async function startFixture(
  t: TestContext,
  opts: Omit<SimulatorOptions, 'busAddress'> = {},
): Promise<Fixture | undefined> {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return undefined;
  const bus = await startPrivateBus();
  let sim: ModemManagerSimulator | undefined;
  let client: RawClient | undefined;
  t.after(async () => {
    client?.close();
    await sim?.stop();
    await bus.stop();
  });
  sim = await ModemManagerSimulator.start({ busAddress: bus.address, ...opts });
  client = await RawClient.connect(bus.address);
  return { bus, sim, client };
}

export const MM = '/org/freedesktop/ModemManager1';
export const I = {
  manager: 'org.freedesktop.ModemManager1',
  modem: 'org.freedesktop.ModemManager1.Modem',
  simple: 'org.freedesktop.ModemManager1.Modem.Simple',
  m3gpp: 'org.freedesktop.ModemManager1.Modem.Modem3gpp',
  profiles: 'org.freedesktop.ModemManager1.Modem.Modem3gpp.ProfileManager',
  signal: 'org.freedesktop.ModemManager1.Modem.Signal',
  location: 'org.freedesktop.ModemManager1.Modem.Location',
  sim: 'org.freedesktop.ModemManager1.Sim',
  bearer: 'org.freedesktop.ModemManager1.Bearer',
  om: 'org.freedesktop.DBus.ObjectManager',
  props: 'org.freedesktop.DBus.Properties',
} as const;

export const V = {
  s: (x: string) => new dbus.Variant('s', x),
  u: (x: number) => new dbus.Variant('u', x),
  i: (x: number) => new dbus.Variant('i', x),
  b: (x: boolean) => new dbus.Variant('b', x),
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (or throws after timeoutMs). */
type Falsy = undefined | null | false | '' | 0;
export async function until<T>(
  fn: () => Promise<T | Falsy> | T | Falsy,
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const x = await fn();
    if (x) return x as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
