/**
 * IP address text <-> bytes, for the netlink wire format (which carries raw network-order buffers).
 * The text form we produce is canonical (IPv4 dotted quad, IPv6 per RFC 5952: lowercase, longest run
 * of zero groups compressed, no IPv4-embedded form), so specs built from user input and specs decoded
 * from the kernel compare equal as strings.
 */

export type IpFamily = 4 | 6;

/** The address family constant of the kernel (AF_INET / AF_INET6). */
export const AF_INET = 2;
export const AF_INET6 = 10;

export function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

export function familyOfAf(af: number): IpFamily | undefined {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  return undefined;
}

export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    // Leading zeros are rejected: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
    groups.push(Number.parseInt(p, 16));
  }
  return groups;
}

function parseV6(text: string): Uint8Array | undefined {
  const dbl = text.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return undefined;
    const head = parseGroups(text.slice(0, dbl));
    const tail = parseGroups(text.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses an address; throws {@link InvalidAddressError}. */
export function parseIp(text: string): { family: IpFamily; bytes: Uint8Array } {
  const v4 = parseV4(text);
  if (v4) return { family: 4, bytes: v4 };
  if (text.includes(':')) {
    const v6 = parseV6(text);
    if (v6) return { family: 6, bytes: v6 };
  }
  throw new InvalidAddressError(`not an IP address: ${JSON.stringify(text)}`);
}

export function isIp(text: string, family?: IpFamily): boolean {
  try {
    const p = parseIp(text);
    return family === undefined || p.family === family;
  } catch {
    return false;
  }
}

/** Encodes an address for a netlink attribute (network byte order). */
export function ipToBuffer(text: string, family?: IpFamily): Buffer {
  const p = parseIp(text);
  if (family !== undefined && p.family !== family) {
    throw new InvalidAddressError(`${text} is not an IPv${family} address`);
  }
  return Buffer.from(p.bytes);
}

/** Decodes a netlink address attribute; the length decides the family. */
export function bufferToIp(buf: Uint8Array): string {
  if (buf.length === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  if (buf.length !== 16) throw new InvalidAddressError(`address of ${buf.length} bytes`);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[2 * i]! << 8) | buf[2 * i + 1]!);
  // RFC 5952 §4.2: compress the longest run of >= 2 zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** The canonical text of an address (throws on invalid input). */
export function canonicalIp(text: string): string {
  return bufferToIp(parseIp(text).bytes);
}

export function maxPrefix(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/**
 * Parses a route destination: `default` or `a.b.c.d/len` / `x::/len`; returns the canonical text
 * (`default` for a zero-length prefix) and the parts for netlink. Host bits must be zero, as the kernel
 * rejects them for routes (EINVAL).
 */
export function parseDestination(
  text: string,
  family: IpFamily,
): { canonical: string; prefixLength: number; bytes: Buffer | undefined } {
  if (text === 'default') return { canonical: 'default', prefixLength: 0, bytes: undefined };
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? String(maxPrefix(family)) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) throw new InvalidAddressError(`bad prefix length in ${text}`);
  const prefixLength = Number(lenText);
  if (prefixLength > maxPrefix(family)) throw new InvalidAddressError(`prefix too long in ${text}`);
  const bytes = ipToBuffer(addr, family);
  for (let bit = prefixLength; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) {
      throw new InvalidAddressError(`${text} has host bits set`);
    }
  }
  if (prefixLength === 0) return { canonical: 'default', prefixLength: 0, bytes: undefined };
  return { canonical: `${bufferToIp(bytes)}/${prefixLength}`, prefixLength, bytes };
}

/** Whether `addr` lies in `network/prefixLength` (same family required). */
export function inPrefix(addr: string, network: string, prefixLength: number): boolean {
  const a = parseIp(addr);
  const n = parseIp(network);
  if (a.family !== n.family) return false;
  for (let bit = 0; bit < prefixLength; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((a.bytes[bit >> 3]! & mask) !== (n.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** Formats a kernel route destination back into the text form of {@link parseDestination}. */
export function formatDestination(bytes: Uint8Array | undefined, prefixLength: number): string {
  if (prefixLength === 0) return 'default';
  if (!bytes) throw new InvalidAddressError('destination prefix without address');
  return `${bufferToIp(bytes)}/${prefixLength}`;
}
