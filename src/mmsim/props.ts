/**
 * Validation of the `a{sv}` dictionaries ModemManager reads: Simple.Connect, CreateBearer and
 * SetInitialEpsBearerSettings. Keys and types are those of libmm-glib 1.20 (mm-simple-connect-
 * properties.c, mm-bearer-properties.c, mm-3gpp-profile.c).
 *
 * Deliberately stricter than MM in one respect: MM reads e.g. `allowed-auth` with
 * g_variant_get_uint32() without checking the type, so an `i` there logs a g_critical and silently
 * becomes 0 (EVE's bug, eve-mmagent.md §3.1). The simulator rejects a wrong type with
 * Core.InvalidArgs so that such a client bug fails a test instead of passing unnoticed.
 */
import { BearerIpFamily } from './enums.js';
import { MMError, mmError } from './errors.js';
import { Variant, type VariantDict } from './wire.js';

const BEARER_KEYS: Readonly<Record<string, string>> = {
  apn: 's',
  'allowed-auth': 'u',
  user: 's',
  password: 's',
  'ip-type': 'u',
  'apn-type': 'u',
  'profile-id': 'i',
  'profile-name': 's',
  'profile-enabled': 'b',
  'profile-source': 'u',
  'access-type-preference': 'u',
  'roaming-allowance': 'u',
  'allow-roaming': 'b',
  'rm-protocol': 'u',
  multiplex: 'u',
  number: 's',
};

const SIMPLE_ONLY_KEYS: Readonly<Record<string, string>> = { pin: 's', 'operator-id': 's' };

/**
 * ip-type values MM 1.20 takes (checked on the kit: NONE means "modem default"). Anything else is
 * refused here because real MM 1.20.4 crashes on it (3 and 0xFFFFFFFF, 1.24's ANY, were tried).
 */
const IP_TYPES: ReadonlySet<number> = new Set([
  BearerIpFamily.NONE,
  BearerIpFamily.IPV4,
  BearerIpFamily.IPV6,
  BearerIpFamily.IPV4V6,
  BearerIpFamily.NON_IP,
  BearerIpFamily.ANY,
]);

export type PropsKind = 'simple-connect' | 'bearer';

/** Checks keys, Variant types and enum ranges; returns the dictionary unchanged. */
export function validateProps(dict: unknown, kind: PropsKind): VariantDict {
  if (dict === null || typeof dict !== 'object') {
    throw mmError(MMError.InvalidArgs, 'Invalid properties dictionary');
  }
  const out: VariantDict = {};
  for (const [key, value] of Object.entries(dict as Record<string, unknown>)) {
    const want = BEARER_KEYS[key] ?? (kind === 'simple-connect' ? SIMPLE_ONLY_KEYS[key] : undefined);
    if (want === undefined) {
      throw mmError(MMError.InvalidArgs, `Invalid properties dictionary, unexpected key '${key}'`);
    }
    if (!(value instanceof Variant) || value.signature !== want) {
      const got = value instanceof Variant ? value.signature : typeof value;
      throw mmError(
        MMError.InvalidArgs,
        `Invalid properties dictionary: '${key}' must be of type '${want}', got '${got}'`,
      );
    }
    out[key] = value;
  }
  const ipType = out['ip-type']?.value;
  if (typeof ipType === 'number' && !IP_TYPES.has(ipType)) {
    throw mmError(MMError.InvalidArgs, `Invalid properties dictionary: unknown ip-type ${ipType}`);
  }
  const auth = out['allowed-auth']?.value;
  if (typeof auth === 'number' && auth > 0x3f) {
    throw mmError(MMError.InvalidArgs, `Invalid properties dictionary: unknown allowed-auth ${auth}`);
  }
  return out;
}

/**
 * The bearer's `Properties` as MM 1.20 publishes them for a request: the bearer keys given (pin and
 * operator-id are not stored) plus `profile-id` -1 (unknown) when none was given (seen on the kit).
 */
export function bearerPart(dict: VariantDict): VariantDict {
  const out: VariantDict = { 'profile-id': new Variant('i', -1) };
  for (const [k, x] of Object.entries(dict)) if (k in BEARER_KEYS) out[k] = x;
  return out;
}

export function str(dict: VariantDict, key: string): string | undefined {
  const x = dict[key]?.value;
  return typeof x === 'string' ? x : undefined;
}

export function num(dict: VariantDict, key: string): number | undefined {
  const x = dict[key]?.value;
  return typeof x === 'number' ? x : undefined;
}
