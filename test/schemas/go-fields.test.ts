/** Go's case-insensitive field matching: what a Go reader accepts, our readers accept, with EVE's names. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { GoFieldMap, goFoldName, normalizeGoFields } from '../../src/schemas/go-fields.js';
import { formatErrors, validateGlobalConfig, validateWwanConfig } from '../../src/schemas/validate.js';

const schema = (f: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/${f}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const wwan = new GoFieldMap(schema('wwan-config.schema.json'), [schema('wwan-common.schema.json')]);
// The validators every reader calls (validate, plan, the agent's file and pubsub inputs) normalize
// the names themselves.
const validWwan = validateWwanConfig;
const validGlobal = validateGlobalConfig;
const example = JSON.parse(
  readFileSync(new URL('../../docs/examples/wwan-config.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** Every object key of `v` lower-cased (map keys included: the caller decides where). */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
  return v;
}

test("Go's fold: ASCII case, and the Kelvin sign and long s that fold to k and s", () => {
  assert.equal(goFoldName('logicalLabel'), 'LOGICALLABEL');
  assert.equal(goFoldName('\u212Aey'), goFoldName('key'));
  assert.equal(goFoldName('Network\u017F'), goFoldName('Networks'));
  // Dotless i and dotted I are not in i's simple fold orbit: Go does not match them.
  assert.notEqual(goFoldName('D\u0131sable'), goFoldName('Disable'));
  assert.notEqual(goFoldName('Networks\u00e9'), goFoldName('Networks'));
});

test('a WwanConfig written in lower case is the documented example with EVE names', () => {
  const r = validWwan(lowerKeys(example));
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
  assert.deepEqual(r.value, example);
});

test('case variants are renamed at every level: $ref, items, allOf, if/then, nested structs', () => {
  const r = validWwan({
    networks: [
      {
        logicallabel: 'm1',
        PHYSADDRS: { usb: '1:2.3' },
        accessPoint: { apn: 'internet', iptype: 'ipv6', cleartextcredentials: { USERNAME: 'u' } },
        mtu: 1280,
        proxies: [{ TYPE: 1, Server: 'p', PORT: 8080 }],
        probe: { userdefinedprobe: { method: 2, probehost: 'h', probeport: 80 } },
      },
    ],
    radiosilence: true,
  });
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
  assert.deepEqual(r.value, {
    Networks: [
      {
        LogicalLabel: 'm1',
        PhysAddrs: { USB: '1:2.3' },
        AccessPoint: { APN: 'internet', IPType: 'ipv6', CleartextCredentials: { Username: 'u' } },
        MTU: 1280,
        Proxies: [{ type: 1, server: 'p', port: 8080 }],
        Probe: { UserDefinedProbe: { Method: 2, ProbeHost: 'h', ProbePort: 80 } },
      },
    ],
    RadioSilence: true,
  });
});

test('the rules see the normalized names: an IPv6 MTU below 1280 is refused also in lower case', () => {
  const r = validWwan({ networks: [{ accesspoint: { iptype: 'ipv6' }, mtu: 1000 }] });
  assert.equal(r.ok, false);
  if (!r.ok)
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ['/Networks/0/MTU'],
    );
});

test('global config: field names fold, map keys (setting and agent names) are data and keep their case', () => {
  const doc = {
    globalsettings: { 'Wwan.Query.Visible.Providers': { key: 'x', itemtype: 2, boolvalue: true } },
    AGENTSETTINGS: { WWAN: { 'Debug.LogLevel': { ItemType: 3, strvalue: 'debug' } } },
  };
  const r = validGlobal(doc);
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
  assert.deepEqual(r.value, {
    GlobalSettings: { 'Wwan.Query.Visible.Providers': { Key: 'x', ItemType: 2, BoolValue: true } },
    AgentSettings: { WWAN: { 'Debug.LogLevel': { ItemType: 3, StrValue: 'debug' } } },
  });
});

test('a map key that looks like a field name stays a map key', () => {
  const g = new GoFieldMap(schema('global-config.schema.json'));
  assert.deepEqual(g.normalize({ GlobalSettings: { key: {}, strvalue: {} } }), {
    GlobalSettings: { key: {}, strvalue: {} },
  });
});

test('unknown keys are kept as they are (Go ignores them; so does the schema)', () => {
  assert.deepEqual(wwan.normalize({ networks: [], Extra: 1, 'x-y': { networks: 2 } }), {
    Networks: [],
    Extra: 1,
    'x-y': { networks: 2 },
  });
});

test('duplicates: the later key wins, exact name or not, as Go assigns keys in document order', () => {
  assert.deepEqual(wwan.normalize({ RadioSilence: true, radiosilence: false }), { RadioSilence: false });
  assert.deepEqual(wwan.normalize({ radiosilence: false, RadioSilence: true }), { RadioSilence: true });
  assert.deepEqual(wwan.normalize({ DPCKey: 'a', dpckey: 'b', DPCKEY: 'c' }), { DPCKey: 'c' });
  // The key keeps the place of its first occurrence.
  assert.deepEqual(Object.keys(wwan.normalize({ dpckey: 'a', RadioSilence: true, DPCKey: 'b' }) as object), [
    'DPCKey',
    'RadioSilence',
  ]);
});

test('duplicates: a second object is decoded into the struct the first one filled (fields merge)', () => {
  assert.deepEqual(
    wwan.normalize({
      Networks: [{ AccessPoint: { APN: 'a', IPType: 'ipv4' }, MTU: 1500 }],
      networks: [{ accesspoint: { apn: 'b' } }, { LogicalLabel: 'two' }],
    }),
    {
      Networks: [{ AccessPoint: { APN: 'b', IPType: 'ipv4' }, MTU: 1500 }, { LogicalLabel: 'two' }],
    },
  );
});

test('duplicates: null sets a slice or pointer to nil and leaves a struct or a scalar as it was', () => {
  assert.deepEqual(wwan.normalize({ Networks: [{}], networks: null }), { Networks: null });
  assert.deepEqual(wwan.normalize({ RadioSilence: true, radiosilence: null }), { RadioSilence: true });
  assert.deepEqual(wwan.normalize({ Networks: [{ Probe: { Disable: true }, probe: null }] }), {
    Networks: [{ Probe: { Disable: true } }],
  });
  const g = new GoFieldMap(schema('global-config.schema.json'));
  // A map gets keys added; each map value is replaced, not merged (Go decodes it into a zero value).
  assert.deepEqual(
    g.normalize({
      GlobalSettings: { a: { Key: 'a', IntValue: 1 } },
      globalsettings: { a: { StrValue: 's' }, b: {} },
    }),
    { GlobalSettings: { a: { StrValue: 's' }, b: {} } },
  );
});

test('__proto__ as a key stays an own key and never reaches a prototype', () => {
  const v = JSON.parse('{"__proto__": {"polluted": 1}, "networks": [{"__proto__": 2}]}');
  const n = wwan.normalize(v) as Record<string, unknown>;
  assert.ok(Object.hasOwn(n, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(n), Object.prototype);
  assert.ok(Object.hasOwn((n.Networks as object[])[0]!, '__proto__'));
});

test('the input is not modified', () => {
  const v = { networks: [{ logicallabel: 'x' }] };
  const before = structuredClone(v);
  normalizeGoFields(v, schema('wwan-config.schema.json'), [schema('wwan-common.schema.json')]);
  assert.deepEqual(v, before);
});

test('a recursive schema and a 100,000-level document: renamed all the way down, no stack overflow', () => {
  const recursive = new GoFieldMap({
    $id: 'https://example.test/node.schema.json',
    $ref: '#/$defs/Node',
    $defs: {
      Node: { type: 'object', properties: { Child: { $ref: '#/$defs/Node' }, Name: { type: 'string' } } },
    },
  });
  let deep: unknown = { name: 'leaf' };
  for (let i = 0; i < 100_000; i++) deep = { child: deep };
  let n = recursive.normalize(deep) as Record<string, unknown>;
  let levels = 0;
  while (n.Child !== undefined) {
    n = n.Child as Record<string, unknown>;
    levels++;
  }
  assert.equal(levels, 100_000);
  assert.deepEqual(n, { Name: 'leaf' });
});

test('property: any case mix of the example validates to the example itself', () => {
  const keys: string[] = [];
  (function collect(v: unknown) {
    if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        keys.push(k);
        collect(x);
      }
  })(example);
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: keys.length * 8, maxLength: keys.length * 8 }),
      (bits) => {
        let i = 0;
        const flip = (k: string) =>
          [...k].map((c) => (bits[i++ % bits.length] ? c.toUpperCase() : c.toLowerCase())).join('');
        const mixed = (function mix(v: unknown): unknown {
          if (Array.isArray(v)) return v.map(mix);
          if (typeof v === 'object' && v !== null)
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [flip(k), mix(x)]));
          return v;
        })(example);
        const r = validWwan(mixed);
        assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
        assert.deepEqual(r.value, example);
      },
    ),
    { numRuns: 200 },
  );
});

test('the kind of a config is decided by its keys as Go matches them', () => {
  assert.ok(validWwan({ networks: [], dpckey: 'k' }).ok);
  const g = validWwan({ globalsettings: {} });
  assert.ok(
    !g.ok && /is a global config/.test(formatErrors(g.errors)),
    'lower-case GlobalSettings is a global config',
  );
  assert.ok(validGlobal({ globalsettings: {}, agentsettings: {} }).ok);
});
