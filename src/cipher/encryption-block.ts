/**
 * The credentials part of EVE's protobuf `org.lfedge.eve.common.EncryptionBlock`
 * (eve-api evecommon/acipherinfo.proto; field numbers in reference eve-pubsub.md §4.2 step 8).
 */
import { readWireFields, type WireField } from './protobuf.js';

export interface Credential {
  readonly user: string;
  readonly password: string;
}

export interface BlockCredentials {
  readonly connection?: Credential;
  readonly attach?: Credential;
}

const CELLULAR_NET_USERNAME = 6;
const CELLULAR_NET_PASSWORD = 7;
const CELLULAR_NET_ATTACH_USERNAME = 11;
const CELLULAR_NET_ATTACH_PASSWORD = 12;

/**
 * Every EncryptionBlock field and its wire type: 9 (`user`) is an enum, all others are strings or
 * bytes. Used only to judge whether bytes that failed the hash check still look like a block.
 */
const KNOWN_WIRE_TYPES: ReadonlyMap<number, number> = new Map(
  Array.from({ length: 14 }, (_, i) => [i + 1, i + 1 === 9 ? 0 : 2] as const),
);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeString(bytes: Uint8Array | undefined): string | undefined {
  try {
    return utf8.decode(bytes ?? new Uint8Array());
  } catch {
    // Go's proto.Unmarshal refuses a proto3 string that is not UTF-8; so do we (the caller reports it).
    return undefined;
  }
}

export type BlockDecodeResult =
  | { readonly ok: true; readonly credentials: BlockCredentials }
  | { readonly ok: false; readonly reason: string };

/**
 * Decodes a hash-verified block. Unknown fields are skipped as protobuf requires; for repeated
 * occurrences of a string field the last one wins, as in every protobuf runtime.
 */
export function decodeEncryptionBlock(plaintext: Uint8Array): BlockDecodeResult {
  const read = readWireFields(plaintext);
  if (!read.ok)
    return { ok: false, reason: `the decrypted EncryptionBlock is not valid protobuf (${read.reason})` };
  const strings = new Map<number, string>();
  for (const f of read.fields) {
    if (
      f.field !== CELLULAR_NET_USERNAME &&
      f.field !== CELLULAR_NET_PASSWORD &&
      f.field !== CELLULAR_NET_ATTACH_USERNAME &&
      f.field !== CELLULAR_NET_ATTACH_PASSWORD
    ) {
      continue;
    }
    if (f.wireType !== 2) {
      return {
        ok: false,
        reason: `EncryptionBlock field ${f.field} has wire type ${f.wireType}, expected 2`,
      };
    }
    const s = decodeString(f.bytes);
    if (s === undefined) return { ok: false, reason: `EncryptionBlock field ${f.field} is not valid UTF-8` };
    strings.set(f.field, s);
  }
  const pair = (u: number, p: number): Credential | undefined => {
    const user = strings.get(u) ?? '';
    const password = strings.get(p) ?? '';
    // proto3 cannot tell an empty string from an absent one; EVE treats both as "no credentials".
    return user === '' && password === '' ? undefined : { user, password };
  };
  const connection = pair(CELLULAR_NET_USERNAME, CELLULAR_NET_PASSWORD);
  const attach = pair(CELLULAR_NET_ATTACH_USERNAME, CELLULAR_NET_ATTACH_PASSWORD);
  return { ok: true, credentials: { ...(connection ? { connection } : {}), ...(attach ? { attach } : {}) } };
}

function isKnownField(f: WireField): boolean {
  if (KNOWN_WIRE_TYPES.get(f.field) !== f.wireType) return false;
  return f.wireType !== 2 || f.field === 10 || f.field === 13 || decodeString(f.bytes) !== undefined;
}

/** How bytes that failed the hash check look, to word the error; never a reason to accept them. */
export type BlockShape = 'complete' | 'cut-short' | 'noise';

/**
 * A decryption with the wrong key yields uniform noise, which is very unlikely to read as a
 * sequence of known EncryptionBlock fields; a right key with a wrong hash reads as a complete
 * block, and a truncated CipherData as a block whose last field runs past the end. The threshold
 * (at least two whole known fields) keep noise from passing for either: see the README.
 */
export function blockShape(bytes: Uint8Array): BlockShape {
  const read = readWireFields(bytes);
  const known = read.fields.every(isKnownField);
  if (!known) return 'noise';
  if (read.ok) return read.fields.length >= 2 ? 'complete' : 'noise';
  return read.truncated && read.fields.length >= 2 ? 'cut-short' : 'noise';
}
