/**
 * EVE's socketdriver wire format (pkg/pillar/pubsub/socketdriver/driver.go): one SOCK_SEQPACKET
 * message is one ASCII line of space-separated fields, no newline, no length prefix. Keys and
 * values travel as Go base64.StdEncoding (standard alphabet, padded); values are JSON text.
 * Pure functions only: sockets and state live in publisher.ts and subscriber.ts.
 */

/** Go's `maxsize`: a subscriber reads into maxsize+1 bytes and drops a read that fills it. */
export const MAX_MESSAGE = 65535;
/** The largest message we send: Go's publisher refuses `len(msg) >= maxsize`, so we do too. */
export const MAX_SEND = MAX_MESSAGE - 1;
/** A read of this many bytes may have been cut by the kernel (the buffer was full): dropped. */
export const READ_BUFFER = MAX_MESSAGE + 1;

export type Message =
  | { readonly verb: 'request'; readonly topic: string }
  | { readonly verb: 'hello'; readonly topic: string; readonly persistent?: boolean }
  | { readonly verb: 'update'; readonly topic: string; readonly key: string; readonly json: string }
  | { readonly verb: 'delete'; readonly topic: string; readonly key: string }
  | { readonly verb: 'complete'; readonly topic: string }
  | { readonly verb: 'restarted'; readonly topic: string; readonly count: number };

/** Why a received message was dropped (one log line names it). */
export type MalformedKind = 'truncated' | 'field-count' | 'unknown-verb' | 'bad-base64' | 'bad-number';

export type Decoded =
  | { readonly ok: true; readonly msg: Message }
  | { readonly ok: false; readonly kind: MalformedKind; readonly verb?: string };

export function encode(msg: Message): Buffer {
  return Buffer.from(format(msg), 'utf8');
}

function format(msg: Message): string {
  switch (msg.verb) {
    case 'request':
    case 'complete':
      return `${msg.verb} ${msg.topic}`;
    case 'hello':
      return msg.persistent === undefined ? `hello ${msg.topic}` : `hello ${msg.topic} ${msg.persistent}`;
    case 'update':
      return `update ${msg.topic} ${b64(msg.key)} ${b64(msg.json)}`;
    case 'delete':
      return `delete ${msg.topic} ${b64(msg.key)}`;
    case 'restarted':
      return `restarted ${msg.topic} ${msg.count}`;
  }
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

// Go's StdEncoding: the standard alphabet, padded to a multiple of 4. Node's decoder would accept
// anything (it skips bad characters), so the shape is checked first. Go also skips \r and \n;
// they cannot occur in a well-formed field, so they are refused here.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes Go StdEncoding base64 to a string, or undefined if it is not valid base64. */
export function decodeBase64(field: string): string | undefined {
  if (!BASE64.test(field)) return undefined;
  return Buffer.from(field, 'base64').toString('utf8');
}

/**
 * Parses one received message. Field counts follow Go's subscriber: an update has exactly 4
 * fields, a delete at least 3, the others at least 2 (a `hello` of an older publisher has no
 * persistence flag, and Go ignores extra fields). A read of READ_BUFFER bytes or more is
 * `truncated`, whatever it holds.
 */
export function decode(buf: Uint8Array): Decoded {
  if (buf.length >= READ_BUFFER) return { ok: false, kind: 'truncated' };
  const fields = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('utf8').split(' ');
  const verb = fields[0] ?? '';
  const topic = fields[1];
  if (topic === undefined) return { ok: false, kind: 'field-count', verb };
  switch (verb) {
    case 'request':
    case 'complete':
      return { ok: true, msg: { verb, topic } };
    case 'hello': {
      const flag = fields[2];
      return {
        ok: true,
        msg:
          flag === 'true' || flag === 'false'
            ? { verb, topic, persistent: flag === 'true' }
            : { verb, topic },
      };
    }
    case 'restarted': {
      const n = fields[2];
      if (n === undefined) return { ok: false, kind: 'field-count', verb };
      if (!/^-?[0-9]{1,15}$/.test(n)) return { ok: false, kind: 'bad-number', verb };
      return { ok: true, msg: { verb, topic, count: Number(n) } };
    }
    case 'delete': {
      if (fields.length < 3) return { ok: false, kind: 'field-count', verb };
      const key = decodeBase64(fields[2] ?? '');
      if (key === undefined) return { ok: false, kind: 'bad-base64', verb };
      return { ok: true, msg: { verb, topic, key } };
    }
    case 'update': {
      if (fields.length !== 4) return { ok: false, kind: 'field-count', verb };
      const key = decodeBase64(fields[2] ?? '');
      const json = decodeBase64(fields[3] ?? '');
      if (key === undefined || json === undefined) return { ok: false, kind: 'bad-base64', verb };
      return { ok: true, msg: { verb, topic, key, json } };
    }
    default:
      return { ok: false, kind: 'unknown-verb' };
  }
}

/**
 * Why a key cannot be published, or undefined if it can (socketdriver/publish.go): it names the
 * checkpoint file `<key>.json`, so it must be non-empty, hold no `/` (nor NUL, which no file name
 * can hold), and `<key>.json` must fit in a file name (255 bytes).
 */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'empty key';
  if (key.includes('/')) return "key contains '/'";
  if (key.includes('\0')) return 'key contains NUL';
  if (Buffer.byteLength(`${key}.json`, 'utf8') > 255) return 'key too long for a file name';
  return undefined;
}
