/**
 * fast-check arbitraries for config files: valid WwanConfigs and global configs built from the
 * schemas' shapes (boundary values included), and mutations of them that each break one rule
 * (wrong types, boundary numbers +/-1, lone surrogates, invalid UTF-8 bytes, path separators, huge
 * strings, deep nesting, duplicates, global-config keys, truncation), each with where its error
 * must point. Exported for reuse: the integrator drives the running agent's intake with them.
 */
import fc from 'fast-check';
import type { ConfigItemValueMap, WwanConfig, WwanNetworkConfig } from '../../src/schemas/types.generated.js';

/** A config file's content as a reader gets it. */
export interface ConfigInput {
  readonly bytes: Uint8Array;
  /** What was done to a valid config, for a failure report. */
  readonly mutation: string;
}

export interface ValidInput extends ConfigInput {
  readonly valid: true;
  readonly value: WwanConfig;
}

/**
 * An input every reader must refuse. `path` is where an error must point: a JSON pointer, or ''
 * for a document-level error (not JSON, not UTF-8, the wrong kind of config). `prefix` means an
 * error path must start with it (deep nesting is reported where the limit is passed, below it).
 */
export interface InvalidInput extends ConfigInput {
  readonly valid: false;
  readonly path: string;
  readonly prefix?: boolean;
}

export type AnyInput = ValidInput | InvalidInput;

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const textOf = (v: unknown) => JSON.stringify(v, null, 1);

// ---------- valid values, from the schemas' shapes ----------

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.é模';

/** A valid LogicalLabel: no '/', no control characters, no edge whitespace, at most 64. */
export const labelArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...LABEL_CHARS), minLength: 1, maxLength: 30 }),
    fc.option(fc.string({ unit: fc.constantFrom(...`${LABEL_CHARS} :`), maxLength: 30 }), { nil: undefined }),
  )
  .map(([a, b]) => (b === undefined ? a : `${a}${b}${a}`).slice(0, 64))
  .filter((s) => !/\s$/.test(s) && !s.startsWith('unmanaged:'));

/** '' (any interface) or a Linux interface name. */
export const ifnameArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.constant(''),
    fc.constantFrom('wwan0', 'wwan1', 'usb0', 'x'.repeat(15), 'a.b', '...'),
    fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'),
      minLength: 1,
      maxLength: 15,
    }),
  )
  .filter((s) => s !== '.' && s !== '..');

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** An RFC 3339 time Go accepts, the zero time and 9 fractional digits included. */
export const goTimeArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0001-01-01T00:00:00Z', '2026-11-24T09:41:07.123456789Z', '2024-02-29T23:59:59+14:00'),
  fc
    .record({
      y: fc.integer({ min: 1, max: 9999 }),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 31 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      frac: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 }), {
        nil: undefined,
      }),
      zone: fc.oneof(
        fc.constant('Z'),
        fc
          .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
          .map(([sign, zh, zm]) => `${sign}${pad(zh, 2)}:${pad(zm, 2)}`),
      ),
    })
    .map(
      (t) =>
        `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(Math.min(t.d, daysIn(t.y, t.mo)), 2)}T${pad(t.h, 2)}:${pad(t.mi, 2)}:${pad(t.s, 2)}${t.frac === undefined ? '' : `.${t.frac}`}${t.zone}`,
    ),
);

/** An integer in [min, max], its boundaries drawn often. */
const intIn = (min: number, max: number) => fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));

const printable = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-_ ~é'), maxLength });

const credentialsArb = fc.record(
  { Username: printable(40), Password: fc.oneof(printable(40), fc.constant('p'.repeat(255))) },
  { requiredKeys: [] },
);

const base64Arb = fc.oneof(fc.constant(null), fc.base64String({ maxLength: 64 }));

const accessPointArb = fc.record(
  {
    SIMSlot: intIn(0, 255),
    Activated: fc.boolean(),
    APN: fc.oneof(fc.constantFrom('', 'internet', 'a'.repeat(100)), printable(100)),
    IPType: fc.constantFrom('', 'ipv4', 'ipv4v6', 'ipv6'),
    AuthProtocol: fc.constantFrom('', 'pap', 'chap', 'pap-and-chap'),
    CleartextCredentials: credentialsArb,
    EncryptedCredentials: fc.record(
      {
        CipherBlockID: printable(40),
        CipherContextID: printable(40),
        InitialValue: base64Arb,
        'pubsub-large-CipherData': base64Arb,
        ClearTextHash: base64Arb,
        IsCipher: fc.boolean(),
        CipherContext: fc.option(
          fc.record(
            {
              ContextID: printable(40),
              HashScheme: intIn(-2147483648, 2147483647),
              KeyExchangeScheme: intIn(0, 3),
              EncryptionScheme: intIn(0, 3),
              ControllerCertHash: base64Arb,
              DeviceCertHash: base64Arb,
            },
            { requiredKeys: [] },
          ),
          { nil: null },
        ),
        Error: printable(100),
        ErrorTime: goTimeArb,
      },
      { requiredKeys: [] },
    ),
    PreferredPLMNs: fc.option(
      fc.array(fc.constantFrom('310-410', '23415', '001-01', '26201'), { maxLength: 32 }),
      { nil: null },
    ),
    PreferredRATs: fc.option(fc.array(fc.constantFrom('', 'gsm', 'umts', 'lte', '5gnr'), { maxLength: 5 }), {
      nil: null,
    }),
    ForbidRoaming: fc.boolean(),
    AttachAPN: fc.oneof(fc.constant(''), printable(100)),
    AttachIPType: fc.constantFrom('', 'ipv4', 'ipv4v6', 'ipv6'),
    AttachAuthProtocol: fc.constantFrom('', 'pap', 'chap', 'pap-and-chap'),
    AttachCleartextCredentials: credentialsArb,
  },
  { requiredKeys: [] },
);

const networkArb = fc
  .record(
    {
      LogicalLabel: fc.oneof({ weight: 5, arbitrary: labelArb }, { weight: 1, arbitrary: fc.constant('') }),
      PhysAddrs: fc.record(
        {
          Interface: ifnameArb,
          USB: fc.constantFrom('', '1:2.3', '3:7.4', '10:1'),
          PCI: fc.constantFrom('', '0000:00:15.0', 'ABCD:ef:1f.7'),
          Dev: fc.constantFrom('', '/dev/cdc-wdm0'),
        },
        { requiredKeys: [] },
      ),
      AccessPoint: accessPointArb,
      Proxies: fc.option(
        fc.array(
          fc.record(
            {
              type: fc.constantFrom(0, 1, 2, 3, 4),
              server: printable(60).map((s) => s.trim()),
              port: intIn(0, 65535),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 16 },
        ),
        { nil: null },
      ),
      Probe: fc.record(
        {
          Disable: fc.boolean(),
          UserDefinedProbe: fc.record(
            {
              Method: fc.constantFrom(0, 1, 2),
              ProbeHost: fc.constantFrom('', '8.8.8.8', 'example.com', 'h'.repeat(255)),
              ProbePort: intIn(0, 65535),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      LocationTracking: fc.boolean(),
      MTU: fc.oneof(fc.constantFrom(0, 68, 1279, 1280, 1500, 65535), fc.integer({ min: 68, max: 65535 })),
      RouteMetric: intIn(0, 4294967295),
    },
    { requiredKeys: [] },
  )
  .map((n) => {
    // IPv6 needs an MTU of at least 1280 (0 is the network's).
    const v6 = n.AccessPoint?.IPType === 'ipv6' || n.AccessPoint?.IPType === 'ipv4v6';
    if (v6 && n.MTU !== undefined && n.MTU !== 0 && n.MTU < 1280) return { ...n, MTU: 1280 };
    return n;
  });

/** Labels and interfaces made unique across the entries (empty ones may repeat). */
function uniqueEntries(networks: WwanNetworkConfig[]): WwanNetworkConfig[] {
  const labels = new Set<string>();
  const ifnames = new Set<string>();
  return networks.map((n, i) => {
    let out = n;
    const label = n.LogicalLabel ?? '';
    if (label !== '') {
      const l = labels.has(label) ? `${label.slice(0, 58)}-n${i}` : label;
      labels.add(l);
      out = { ...out, LogicalLabel: l };
    }
    const ifname = n.PhysAddrs?.Interface ?? '';
    if (ifname !== '') {
      const f = ifnames.has(ifname) ? `${ifname.slice(0, 12)}n${i}` : ifname;
      ifnames.add(f);
      out = { ...out, PhysAddrs: { ...out.PhysAddrs, Interface: f } };
    }
    return out;
  });
}

/** A valid WwanConfig. */
export const validWwanConfigArb: fc.Arbitrary<WwanConfig> = fc.record(
  {
    DPCKey: fc.oneof(fc.constantFrom('', 'zedagent', 'k'.repeat(256)), printable(64)),
    DPCTimestamp: goTimeArb,
    RSConfigTimestamp: goTimeArb,
    RadioSilence: fc.boolean(),
    Networks: fc.oneof(
      fc.constant(null),
      fc.array(networkArb, { maxLength: 4 }).map(uniqueEntries),
      // The most entries allowed, most of them empty.
      fc.array(fc.constant({}), { minLength: 16, maxLength: 16 }),
    ),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<WwanConfig>;

/** A valid global config (ConfigItemValueMap). */
export const validGlobalConfigArb: fc.Arbitrary<ConfigItemValueMap> = (() => {
  const item = fc.record(
    {
      Key: printable(40),
      ItemType: fc.constantFrom(0, 1, 2, 3, 4),
      IntValue: intIn(0, 4294967295),
      StrValue: printable(40),
      BoolValue: fc.boolean(),
      TriStateValue: fc.constantFrom(0, 1, 2),
    },
    { requiredKeys: [] },
  );
  const settings = fc.dictionary(
    fc.constantFrom('debug.loglevel', 'timer.location.app.interval', 'x.y'),
    item,
    {
      maxKeys: 3,
    },
  );
  return fc
    .record(
      {
        GlobalSettings: fc.option(settings, { nil: null }),
        AgentSettings: fc.option(
          fc.dictionary(fc.constantFrom('wwan', 'nim'), fc.option(settings, { nil: null })),
          {
            nil: null,
          },
        ),
      },
      { requiredKeys: [] },
    )
    .filter((g) => Object.keys(g).length > 0) as fc.Arbitrary<ConfigItemValueMap>;
})();

export const validInputArb: fc.Arbitrary<ValidInput> = fc
  .tuple(validWwanConfigArb, fc.constantFrom(0, 1, 2))
  .map(([value, indent]) => ({
    valid: true as const,
    // As a reader parses it (plain objects, no undefined fields).
    value: JSON.parse(JSON.stringify(value)) as WwanConfig,
    bytes: utf8(JSON.stringify(value, null, indent)),
    mutation: 'none',
  }));

// ---------- mutations: each breaks one rule, and says where the error must point ----------

type Json = Record<string, unknown>;

/** A config with at least `n` network entries (so that a mutation has a field to break). */
const withNetworks = (n: number) =>
  fc.tuple(validWwanConfigArb, fc.array(networkArb, { minLength: n, maxLength: n + 2 })).map(([c, extra]) => {
    const nets = uniqueEntries([...(c.Networks ?? []), ...extra].slice(0, 16));
    return { ...c, Networks: nets } as Json & { Networks: Json[] };
  });

/** Sets `value` at `path` (creating objects on the way) in a copy of `doc`. */
function setAt(doc: Json, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(doc);
  let at: Record<string | number, unknown> = copy;
  path.slice(0, -1).forEach((k, i) => {
    const next = at[k];
    if (typeof next !== 'object' || next === null) at[k] = /^\d+$/.test(String(path[i + 1])) ? [] : {};
    at = at[k] as Record<string | number, unknown>;
  });
  at[path.at(-1)!] = value;
  return copy;
}

const pointer = (path: readonly (string | number)[]) => path.map((k) => `/${k}`).join('');

interface FieldRule {
  /** Path below /Networks/i (when `network`) or below the document. */
  readonly path: string[];
  readonly network: boolean;
  /** Values the field must refuse; a function gets the entry to refuse relative to it. */
  readonly bad: fc.Arbitrary<unknown>;
  /** Extra fields that make the rule apply (e.g. IPType for the IPv6 MTU). */
  readonly context?: Record<string, unknown>;
  /** The error is on an enclosing array (maxItems). */
  readonly errorOnParent?: boolean;
}

const big = (n: number) => fc.integer({ min: n, max: n * 4 }).map((k) => 'x'.repeat(k));

/** Per field: values of the wrong type, just out of range, with a path separator, too long. */
const FIELD_RULES: readonly FieldRule[] = [
  { network: false, path: ['DPCKey'], bad: fc.oneof(fc.constant(7), fc.constant(null), big(257)) },
  {
    network: false,
    path: ['DPCTimestamp'],
    bad: fc.constantFrom(
      '2026-13-45T99:99:99Z',
      '2023-02-29T00:00:00Z',
      '2026-01-01T00:00:60Z',
      'now',
      '',
      0,
    ),
  },
  { network: false, path: ['RSConfigTimestamp'], bad: fc.constantFrom('2026-04-31T00:00:00Z', '2026-01-01') },
  { network: false, path: ['RadioSilence'], bad: fc.constantFrom('true', 1, null) },
  { network: false, path: ['Networks'], bad: fc.constantFrom({}, 'modems', 3) },
  {
    network: true,
    path: ['LogicalLabel'],
    bad: fc.oneof(
      fc.constantFrom(
        'a/b',
        '/',
        'modem/1',
        ' a',
        'a ',
        'a\tb',
        'a\u0000',
        'a\u007f',
        'unmanaged:x',
        5,
        null,
      ),
      big(65),
      labelArb.map((l) => `${l}/${l}`),
    ),
  },
  {
    network: true,
    path: ['PhysAddrs', 'Interface'],
    bad: fc.constantFrom('.', '..', 'a/b', 'wwan:0', 'a b', 'x'.repeat(16), 'é'.repeat(8), 1),
  },
  { network: true, path: ['PhysAddrs', 'USB'], bad: fc.constantFrom('usb-1', '1/2', '1:2.', 12) },
  { network: true, path: ['PhysAddrs', 'PCI'], bad: fc.constantFrom('0000:00:15', '0000:00:15.8', 'x') },
  { network: true, path: ['MTU'], bad: fc.constantFrom(-1, 1, 67, 65536, 1.5, '1500', null, 2 ** 53) },
  {
    network: true,
    path: ['MTU'],
    bad: fc.constantFrom(68, 1279),
    context: { AccessPoint: { IPType: 'ipv6' } },
  },
  {
    network: true,
    path: ['MTU'],
    bad: fc.integer({ min: 1, max: 1279 }),
    context: { AccessPoint: { IPType: 'ipv4v6' } },
  },
  { network: true, path: ['RouteMetric'], bad: fc.constantFrom(-1, 4294967296, 0.5, '5') },
  { network: true, path: ['LocationTracking'], bad: fc.constantFrom('yes', 0) },
  { network: true, path: ['AccessPoint', 'SIMSlot'], bad: fc.constantFrom(-1, 256, 1.1) },
  { network: true, path: ['AccessPoint', 'APN'], bad: fc.oneof(big(101), fc.constantFrom('a\nb', 7)) },
  { network: true, path: ['AccessPoint', 'AttachAPN'], bad: fc.oneof(big(101), fc.constant('\u0007')) },
  { network: true, path: ['AccessPoint', 'IPType'], bad: fc.constantFrom('ipv5', 'IPV4', 4) },
  { network: true, path: ['AccessPoint', 'AuthProtocol'], bad: fc.constantFrom('mschap', true) },
  {
    network: true,
    path: ['AccessPoint', 'CleartextCredentials', 'Password'],
    bad: fc.oneof(big(256), fc.constant(12345)),
  },
  { network: true, path: ['AccessPoint', 'CleartextCredentials', 'Username'], bad: big(256) },
  {
    network: true,
    path: ['AccessPoint', 'EncryptedCredentials', 'ErrorTime'],
    bad: fc.constantFrom('2026-02-30T00:00:00Z', 'yesterday'),
  },
  {
    network: true,
    path: ['AccessPoint', 'EncryptedCredentials', 'InitialValue'],
    bad: fc.constantFrom('not base64!', 5),
  },
  {
    network: true,
    path: ['AccessPoint', 'PreferredRATs'],
    bad: fc.constantFrom(['lte', 'lte', 'lte', 'lte', 'lte', 'lte'], 'lte'),
  },
  {
    network: true,
    path: ['AccessPoint', 'PreferredRATs', '0'],
    bad: fc.constantFrom('6g', 5),
  },
  {
    network: true,
    path: ['AccessPoint', 'PreferredPLMNs', '0'],
    bad: fc.constantFrom('3104', '310-4100', 'abc', 310410),
  },
  { network: true, path: ['Proxies', '0', 'port'], bad: fc.constantFrom(-1, 65536) },
  { network: true, path: ['Proxies', '0', 'type'], bad: fc.constantFrom(5, 'http') },
  { network: true, path: ['Probe', 'UserDefinedProbe', 'ProbePort'], bad: fc.constantFrom(-1, 65536) },
  {
    network: true,
    path: ['Probe', 'UserDefinedProbe', 'ProbeHost'],
    bad: fc.oneof(big(256), fc.constant('a b')),
  },
  { network: true, path: ['Probe', 'UserDefinedProbe', 'Method'], bad: fc.constantFrom(3, 'icmp') },
  { network: true, path: ['Proxies'], bad: fc.constant(Array.from({ length: 17 }, () => ({}))) },
];

/** One field set to a value its rule refuses. */
const wrongFieldArb: fc.Arbitrary<InvalidInput> = fc
  .tuple(withNetworks(1), fc.constantFrom(...FIELD_RULES), fc.nat())
  .chain(([cfg, rule, pick]) =>
    rule.bad.map((bad) => {
      const i = pick % cfg.Networks.length;
      const base = rule.network ? ['Networks', String(i)] : [];
      let doc: Json = cfg;
      if (rule.context)
        for (const [k, v] of Object.entries(rule.context))
          for (const [k2, v2] of Object.entries(v as Json)) doc = setAt(doc, [...base, k, k2], v2);
      doc = setAt(doc, [...base, ...rule.path], bad);
      // A new label or interface must not also repeat another entry's (one error at a time).
      return {
        valid: false as const,
        bytes: utf8(textOf(doc)),
        path: pointer([...base, ...rule.path]),
        mutation: `${pointer(rule.path)} = ${JSON.stringify(bad)?.slice(0, 40)}`,
      };
    }),
  );

/** Every string field a lone surrogate can be put in, and where. */
const STRING_FIELDS: readonly string[][] = [
  ['LogicalLabel'],
  ['AccessPoint', 'APN'],
  ['AccessPoint', 'CleartextCredentials', 'Password'],
  ['Probe', 'UserDefinedProbe', 'ProbeHost'],
  ['AccessPoint', 'EncryptedCredentials', 'Error'],
];

/** A lone surrogate (as JSON's \uD800 escape) in a string value or a key. */
const loneSurrogateArb: fc.Arbitrary<InvalidInput> = fc
  .tuple(
    withNetworks(1),
    fc.constantFrom(...STRING_FIELDS),
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
    fc.boolean(),
    fc.string({ maxLength: 4 }),
  )
  .map(([cfg, field, lone, inKey, around]) => {
    if (inKey) {
      const doc = setAt(cfg, ['Networks', '0', `x${lone}`], 1);
      return {
        valid: false as const,
        bytes: utf8(textOf(doc)),
        path: `/Networks/0/x\\u${lone.charCodeAt(0).toString(16)}`,
        mutation: 'lone surrogate in a key',
      };
    }
    const doc = setAt(cfg, ['Networks', '0', ...field], `a${lone}${around.replace(/[\ud800-\udfff]/g, '')}`);
    return {
      valid: false as const,
      bytes: utf8(textOf(doc)),
      path: pointer(['Networks', '0', ...field]),
      mutation: `lone surrogate in ${field.join('.')}`,
    };
  });

/** Bytes that are not UTF-8, inside a string of a valid config's text. */
const invalidUtf8Arb: fc.Arbitrary<InvalidInput & { readonly offset: number }> = fc
  .tuple(
    validWwanConfigArb,
    fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]),
  )
  .map(([cfg, bad]) => {
    const text = textOf({ DPCKey: 'k', ...cfg });
    // Right after the first '"' of the DPCKey value: inside a string, where a byte is data.
    const at = Buffer.byteLength(text.slice(0, text.indexOf('"DPCKey": "') + 11));
    const bytes = Buffer.concat([
      Buffer.from(text).subarray(0, at),
      Buffer.from(bad),
      Buffer.from(text).subarray(at),
    ]);
    return {
      valid: false as const,
      bytes: new Uint8Array(bytes),
      path: '',
      offset: at,
      mutation: `bytes ${bad.map((b) => b.toString(16)).join(' ')} at ${at}`,
    };
  });

/** Arrays nested past the limit in place of a field, from just past it to 100,000 deep. */
const deepArb: fc.Arbitrary<InvalidInput> = fc
  .tuple(
    withNetworks(1),
    fc.constantFrom(
      ['DPCKey'],
      ['Networks', '0', 'Proxies'],
      ['Networks', '0', 'AccessPoint', 'APN'],
      ['Foo'],
    ),
    fc.oneof(fc.integer({ min: 33, max: 40 }), fc.constantFrom(1000, 100_000)),
    fc.boolean(),
  )
  .map(([cfg, path, depth, objects]) => {
    const placeholder = '"__DEEP__"';
    const text = textOf(setAt(cfg, path, '__DEEP__'));
    const open = objects ? '{"a":' : '[';
    const close = objects ? '}' : ']';
    const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return {
      valid: false as const,
      bytes: utf8(text.replace(placeholder, deep)),
      path: pointer(path),
      prefix: true,
      mutation: `${depth} levels of ${open} at ${pointer(path)}`,
    };
  });

/** A later entry repeating an earlier one's label or interface. */
const duplicateArb: fc.Arbitrary<InvalidInput> = fc
  .tuple(withNetworks(2), labelArb, fc.constantFrom('wwan0', 'wwan7', 'x'.repeat(15)), fc.boolean())
  .map(([cfg, label, ifname, byLabel]) => {
    const nets = cfg.Networks.map((n) => ({ ...n }));
    const last = nets.length - 1;
    let path: string;
    if (byLabel) {
      // Fresh labels elsewhere so that exactly the last entry repeats the first.
      nets.forEach((n, i) => {
        n.LogicalLabel = i === 0 || i === last ? label : `other-${i}`;
      });
      path = `/Networks/${last}/LogicalLabel`;
    } else {
      nets.forEach((n, i) => {
        n.PhysAddrs = { ...(n.PhysAddrs as Json), Interface: i === 0 || i === last ? ifname : `if${i}` };
      });
      path = `/Networks/${last}/PhysAddrs/Interface`;
    }
    return {
      valid: false as const,
      bytes: utf8(textOf({ ...cfg, Networks: nets })),
      path,
      mutation: byLabel ? 'duplicate label' : 'duplicate interface',
    };
  });

/** A global config's keys in a WwanConfig, or a whole global config, or a document of no kind. */
const wrongKindArb: fc.Arbitrary<InvalidInput> = fc.oneof(
  validGlobalConfigArb.map((g) => ({
    valid: false as const,
    bytes: utf8(textOf(g)),
    path: '',
    mutation: 'a global config',
  })),
  fc.tuple(validWwanConfigArb, fc.constantFrom('GlobalSettings', 'AgentSettings')).map(([c, k]) => ({
    valid: false as const,
    bytes: utf8(textOf({ ...c, DPCKey: 'k', [k]: {} })),
    path: '',
    mutation: `WwanConfig with ${k}`,
  })),
  fc.constantFrom('[]', 'null', '"WwanConfig"', '42', '{"network":[]}', '{"Foo":{}}').map((t) => ({
    valid: false as const,
    bytes: utf8(t),
    path: '',
    mutation: `document ${t}`,
  })),
);

/** A valid config's text cut short (a proper prefix of an object is never JSON). */
const truncatedArb: fc.Arbitrary<InvalidInput> = fc
  .tuple(validWwanConfigArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }))
  .map(([cfg, f]) => {
    const text = textOf(cfg);
    const cut = text.slice(0, Math.floor(f * text.length));
    return {
      valid: false as const,
      bytes: utf8(cut),
      path: '',
      mutation: `cut at ${cut.length}/${text.length}`,
    };
  });

/** Every kind of invalid input, each with where its error must point. */
export const invalidInputArb: fc.Arbitrary<InvalidInput> = fc.oneof(
  { weight: 6, arbitrary: wrongFieldArb },
  { weight: 1, arbitrary: loneSurrogateArb },
  { weight: 1, arbitrary: invalidUtf8Arb },
  { weight: 1, arbitrary: deepArb },
  { weight: 1, arbitrary: duplicateArb },
  { weight: 1, arbitrary: wrongKindArb },
  { weight: 1, arbitrary: truncatedArb },
);

export { invalidUtf8Arb };

/** Valid and invalid inputs mixed (the agent's intake sees both, in any order). */
export const anyInputArb: fc.Arbitrary<AnyInput> = fc.oneof(validInputArb, invalidInputArb);

/** Any bytes at all: random, or a valid config's bytes with a few of them changed. */
export const anyBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .tuple(validInputArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([v, edits]) => {
      const b = Uint8Array.from(v.bytes);
      for (const [at, byte] of edits) if (b.length > 0) b[at % b.length] = byte;
      return b;
    }),
  fc.jsonValue({ maxDepth: 6 }).map((v) => utf8(JSON.stringify(v) ?? 'null')),
);

/** The fast-check parameters of these tests: FC_SEED as in test/reconciler/properties.test.ts. */
export function fcParams<T>(numRuns: number): fc.Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FC_RUNS_SCALE ?? 1))),
    ...(process.env.FC_SEED === 'random'
      ? {}
      : {
          seed: Number(process.env.FC_SEED ?? 20261124),
          ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
        }),
  };
}
