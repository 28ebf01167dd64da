/**
 * Works around a @particle/dbus-next 0.11.4 marshalling bug: a dictionary whose keys are uint32
 * (`a{uv}`, `a{uu}`) cannot be sent from a JS object. Object keys are strings; the library turns
 * them back into numbers only for key types y/n/q/i/x/t (lib/marshall-compat.js), not `u`, so the
 * `u` marshaller rejects "2" ("Data: 2 was not of type number"). ModemManager uses such
 * dictionaries: Location.GetLocation / Location (a{uv}) and Modem.UnlockRetries (a{uu}).
 *
 * The fix wraps the connection's `message()` (the function that marshals and writes): messages
 * the library handles are left to it untouched; only when it throws do we convert the body to the
 * library's internal marshaller format ourselves (with numeric keys) and marshal it with the
 * library's own lib/message.js.
 */
import { createRequire } from 'node:module';
import dbus from '@particle/dbus-next';

const require = createRequire(import.meta.url);

interface SigTree {
  type: string;
  child: SigTree[];
}
const { parseSignature } = require('@particle/dbus-next/lib/signature.js') as {
  parseSignature(sig: string): SigTree[];
};
const messageCodec = require('@particle/dbus-next/lib/message.js') as {
  marshall(msg: unknown): [Buffer, unknown[]];
};

const INTEGER_KEYS = new Set(['y', 'n', 'q', 'u', 'i', 'x', 't']);

/** JS value → the library's marshaller format: dicts as [key, value] pairs, variants as [sig, value]. */
export function toMarshallerFormat(t: SigTree, value: unknown): unknown {
  if (t.type === 'v') {
    if (!(value instanceof dbus.Variant)) throw new Error(`expected a Variant (got ${typeof value})`);
    const inner = parseSignature(value.signature)[0] as SigTree;
    return [value.signature, toMarshallerFormat(inner, value.value)];
  }
  if (t.type === 'a') {
    const child = t.child[0] as SigTree;
    if (child.type === 'y' && Buffer.isBuffer(value)) return value;
    if (child.type === '{') {
      const [kt, vt] = child.child as [SigTree, SigTree];
      if (value === null || typeof value !== 'object') throw new Error('expected an object for a dictionary');
      return Object.entries(value as Record<string, unknown>).map(([k, x]) => [
        INTEGER_KEYS.has(kt.type) ? Number(k) : kt.type === 'b' ? k === 'true' : k,
        toMarshallerFormat(vt, x),
      ]);
    }
    if (!Array.isArray(value)) throw new Error('expected an array');
    return value.map((x) => toMarshallerFormat(child, x));
  }
  if (t.type === '(') {
    if (!Array.isArray(value) || value.length !== t.child.length) throw new Error('bad struct value');
    return value.map((x, i) => toMarshallerFormat(t.child[i] as SigTree, x));
  }
  return value;
}

interface Connection {
  message(msg: { signature?: string; body?: unknown[] }): void;
  stream: { writable: boolean; write(data: Buffer): void };
}

/** Call once the bus has emitted 'connect' (the library replaces `message` at that point). */
export function installUint32KeyFix(bus: dbus.MessageBus): void {
  const conn = (bus as unknown as { _connection: Connection })._connection;
  const original = conn.message.bind(conn);
  conn.message = (msg) => {
    // The library replaces msg.body with its converted form before the failing write; keep ours.
    const { signature = '', body: jsBody = [] } = msg;
    try {
      original(msg);
      return;
    } catch (e) {
      if (!conn.stream.writable) throw e;
      const trees = parseSignature(signature);
      const body = jsBody.map((x, i) => toMarshallerFormat(trees[i] as SigTree, x));
      // Message keeps serial and friends behind accessors: set the fields on the message itself.
      Object.assign(msg, { signature, body });
      const [data] = messageCodec.marshall(msg);
      conn.stream.write(data);
    }
  };
}
