/**
 * A minimal, bounds-checked protobuf wire reader: just enough to take strings out of one flat
 * message (EncryptionBlock). It never throws and never allocates more than its input; see the
 * README for why this instead of a protobuf library.
 */

/** Wire types protobuf still uses; groups (3, 4) are deprecated and rejected. */
export type WireType = 0 | 1 | 2 | 5;

export interface WireField {
  readonly field: number;
  readonly wireType: WireType;
  /** The value's bytes for wire type 2 (a view on the input, not a copy); undefined otherwise. */
  readonly bytes?: Uint8Array;
}

export type WireReadResult =
  | { readonly ok: true; readonly fields: readonly WireField[] }
  | {
      readonly ok: false;
      /** True when the input ends inside a field: the bytes so far were well formed. */
      readonly truncated: boolean;
      /** The fields read completely before the problem. */
      readonly fields: readonly WireField[];
      readonly reason: string;
    };

/** Field numbers are 29 bits; lengths above this cannot fit any buffer we read. */
const MAX_FIELD = 2 ** 29 - 1;

interface Varint {
  readonly value: number;
  readonly next: number;
}

/**
 * Reads a varint as a JS number; values that do not fit 2^53 are refused ('big') since nothing we
 * read (tags, lengths, an enum) can be that large in a well-formed block.
 */
function readVarint(buf: Uint8Array, pos: number): Varint | 'truncated' | 'big' {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const at = pos + i;
    if (at >= buf.length) return 'truncated';
    const b = buf[at]!;
    value += (b & 0x7f) * scale;
    if (value > Number.MAX_SAFE_INTEGER) return 'big';
    if ((b & 0x80) === 0) return { value, next: at + 1 };
    scale *= 128;
  }
  return 'big';
}

/** Reads every field of one message, in order. */
export function readWireFields(buf: Uint8Array): WireReadResult {
  const fields: WireField[] = [];
  let pos = 0;
  const fail = (truncated: boolean, reason: string): WireReadResult => ({
    ok: false,
    truncated,
    fields,
    reason,
  });
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    if (tag === 'truncated') return fail(true, `tag cut short at byte ${pos}`);
    if (tag === 'big') return fail(false, `oversized tag at byte ${pos}`);
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0 || field > MAX_FIELD) return fail(false, `invalid field number at byte ${pos}`);
    pos = tag.next;
    switch (wireType) {
      case 0: {
        const v = readVarint(buf, pos);
        if (v === 'truncated') return fail(true, `varint of field ${field} cut short`);
        if (v === 'big') return fail(false, `oversized varint in field ${field}`);
        pos = v.next;
        fields.push({ field, wireType });
        break;
      }
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (pos + size > buf.length) return fail(true, `fixed-size field ${field} cut short`);
        pos += size;
        fields.push({ field, wireType });
        break;
      }
      case 2: {
        const len = readVarint(buf, pos);
        if (len === 'truncated') return fail(true, `length of field ${field} cut short`);
        if (len === 'big') return fail(false, `oversized length in field ${field}`);
        // Compare before adding so a huge length cannot overflow into a "fits" answer.
        if (len.value > buf.length - len.next) return fail(true, `field ${field} runs past the end`);
        fields.push({ field, wireType, bytes: buf.subarray(len.next, len.next + len.value) });
        pos = len.next + len.value;
        break;
      }
      default:
        return fail(false, `unsupported wire type ${wireType} in field ${field}`);
    }
  }
  return { ok: true, fields };
}
