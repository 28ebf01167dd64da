/**
 * What the WwanConfig and global-config validators refuse beyond types: each rule with its
 * boundary values on both sides, and the field its error names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectConfigKind } from '../../src/schemas/config-kind.js';
import { MAX_DEPTH } from '../../src/schemas/document-guard.js';
import { isGoTime } from '../../src/schemas/formats.js';
import { MAX_REPORTED_ERRORS, validateGlobalConfig, validateWwanConfig } from '../../src/schemas/validate.js';

/** The paths of the errors for `cfg`, [] when valid. */
function paths(cfg: unknown): string[] {
  const r = validateWwanConfig(cfg);
  return r.ok ? [] : r.errors.map((e) => e.path);
}
const net = (n: Record<string, unknown>) => ({ Networks: [n] });
const message = (cfg: unknown) => {
  const r = validateWwanConfig(cfg);
  assert.equal(r.ok, false, JSON.stringify(cfg));
  return r.ok ? '' : r.errors[0]!.message;
};

test('LogicalLabel: no /, no control characters, no edge whitespace, no unmanaged: prefix, at most 64', () => {
  for (const ok of ['', 'modem-1', 'modem 1', 'x'.repeat(64), 'unmanaged', 'Unmanaged:x', 'módem', '..'])
    assert.deepEqual(paths(net({ LogicalLabel: ok })), [], ok);
  for (const [bad, why] of [
    ['a/b', /'\/'/],
    ['/', /'\/'/],
    ['a\u0000b', /control/],
    ['a\tb', /control/],
    ['a\u007fb', /control/],
    ['a\u2028b', /line separators/],
    [' a', /whitespace/],
    ['a ', /whitespace/],
    ['\u00a0a', /whitespace/],
    ['unmanaged:1234', /unmanaged:/],
    ['x'.repeat(65), /64/],
  ] as const) {
    assert.deepEqual(paths(net({ LogicalLabel: bad })), ['/Networks/0/LogicalLabel'], JSON.stringify(bad));
    assert.match(message(net({ LogicalLabel: bad })), why);
  }
});

test('PhysAddrs.Interface: empty, or a Linux interface name of at most 15 bytes', () => {
  for (const ok of ['', 'wwan0', 'x'.repeat(15), 'a.b', '...', 'é'.repeat(7), 'wwan-0_1'])
    assert.deepEqual(paths(net({ PhysAddrs: { Interface: ok } })), [], ok);
  for (const bad of ['.', '..', 'a/b', 'a:b', 'a b', 'a\tb', 'a\u0001', 'x'.repeat(16), 'é'.repeat(8)])
    assert.deepEqual(
      paths(net({ PhysAddrs: { Interface: bad } })),
      ['/Networks/0/PhysAddrs/Interface'],
      JSON.stringify(bad),
    );
});

test('MTU: 0 or 68..65535; with IPType ipv6 or ipv4v6, 0 or at least 1280', () => {
  for (const ok of [0, 68, 1280, 1500, 65535]) assert.deepEqual(paths(net({ MTU: ok })), [], String(ok));
  for (const bad of [-1, 1, 67, 65536, 1.5])
    assert.deepEqual(paths(net({ MTU: bad })), ['/Networks/0/MTU'], String(bad));
  for (const ipType of ['ipv6', 'ipv4v6']) {
    for (const ok of [0, 1280, 9000])
      assert.deepEqual(paths(net({ MTU: ok, AccessPoint: { IPType: ipType } })), [], `${ipType} ${ok}`);
    for (const bad of [68, 1279]) {
      const cfg = net({ MTU: bad, AccessPoint: { IPType: ipType } });
      assert.deepEqual(paths(cfg), ['/Networks/0/MTU'], `${ipType} ${bad}`);
      assert.match(message(cfg), /1280/);
    }
  }
  for (const ipType of ['', 'ipv4'])
    assert.deepEqual(paths(net({ MTU: 68, AccessPoint: { IPType: ipType } })), [], ipType);
});

test('timestamps are real RFC 3339 times as Go reads them', () => {
  for (const ok of [
    '0001-01-01T00:00:00Z',
    '2026-11-24T09:41:07.123456789Z',
    '2024-02-29T23:59:59+05:30',
    '2000-02-29T00:00:00-23:59',
  ]) {
    assert.ok(isGoTime(ok), ok);
    assert.deepEqual(paths({ DPCTimestamp: ok, RSConfigTimestamp: ok }), [], ok);
  }
  for (const bad of [
    '2026-13-45T99:99:99Z',
    '2026-00-10T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00.1234567890Z',
    '2026-01-01T00:00:00+24:00',
    '2026-01-01 00:00:00Z',
    '2026-01-01T00:00:00',
  ]) {
    assert.equal(isGoTime(bad), false, bad);
    assert.deepEqual(paths({ DPCTimestamp: bad }), ['/DPCTimestamp'], bad);
  }
  const enc = net({ AccessPoint: { EncryptedCredentials: { ErrorTime: '2026-02-30T00:00:00Z' } } });
  assert.deepEqual(paths(enc), ['/Networks/0/AccessPoint/EncryptedCredentials/ErrorTime']);
});

test('numbers in range, strings and lists bounded', () => {
  const cases: [unknown, string][] = [
    [{ DPCKey: 'k'.repeat(257) }, '/DPCKey'],
    [net({ AccessPoint: { APN: 'a'.repeat(101) } }), '/Networks/0/AccessPoint/APN'],
    [net({ AccessPoint: { AttachAPN: 'a\nb' } }), '/Networks/0/AccessPoint/AttachAPN'],
    [
      net({ AccessPoint: { CleartextCredentials: { Password: 'p'.repeat(256) } } }),
      '/Networks/0/AccessPoint/CleartextCredentials/Password',
    ],
    [net({ AccessPoint: { SIMSlot: 256 } }), '/Networks/0/AccessPoint/SIMSlot'],
    [net({ RouteMetric: 2 ** 32 }), '/Networks/0/RouteMetric'],
    [net({ RouteMetric: -1 }), '/Networks/0/RouteMetric'],
    [net({ Proxies: [{ port: 65536 }] }), '/Networks/0/Proxies/0/port'],
    [
      net({ Probe: { UserDefinedProbe: { ProbeHost: 'a b' } } }),
      '/Networks/0/Probe/UserDefinedProbe/ProbeHost',
    ],
    [
      net({ Probe: { UserDefinedProbe: { ProbePort: 65536 } } }),
      '/Networks/0/Probe/UserDefinedProbe/ProbePort',
    ],
    [{ Networks: Array.from({ length: 17 }, () => ({})) }, '/Networks'],
    [net({ AccessPoint: { PreferredRATs: Array(6).fill('lte') } }), '/Networks/0/AccessPoint/PreferredRATs'],
  ];
  for (const [cfg, path] of cases) assert.deepEqual(paths(cfg), [path], path);
  assert.deepEqual(paths({ Networks: Array.from({ length: 16 }, () => ({})) }), []);
  assert.deepEqual(paths(net({ AccessPoint: { APN: 'a'.repeat(100), SIMSlot: 255 } })), []);
});

test('duplicates: the second label and the second interface are errors, empty ones may repeat', () => {
  const cfg = {
    Networks: [
      { LogicalLabel: 'a', PhysAddrs: { Interface: 'wwan0' } },
      { LogicalLabel: 'b', PhysAddrs: { Interface: 'wwan1' } },
      { LogicalLabel: 'a', PhysAddrs: { Interface: 'wwan2' } },
      { LogicalLabel: 'c', PhysAddrs: { Interface: 'wwan1' } },
      { LogicalLabel: '', PhysAddrs: { Interface: '' } },
      { LogicalLabel: '', PhysAddrs: { Interface: '' } },
    ],
  };
  assert.deepEqual(paths(cfg), ['/Networks/2/LogicalLabel', '/Networks/3/PhysAddrs/Interface']);
});

test('nesting deeper than the limit is refused with the pointer where it is passed, at any depth', () => {
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const r = validateWwanConfig({ Networks: [{ Proxies: deep }] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.path, `/Networks/0/Proxies${'/0'.repeat(MAX_DEPTH - 3)}`);
  assert.match(r.errors[0]!.message, /nested more than 32 levels/);
  // Exactly the limit passes the guard (and then fails the schema for what it is).
  let atLimit: unknown = {};
  for (let i = 1; i < MAX_DEPTH; i++) atLimit = { x: atLimit };
  const g = validateGlobalConfig(atLimit);
  assert.ok(!g.ok && !g.errors.some((e) => /nested/.test(e.message)));
});

test('lone surrogates are refused in values and in keys, naming the field', () => {
  assert.deepEqual(paths(net({ AccessPoint: { APN: 'a\ud800' } })), ['/Networks/0/AccessPoint/APN']);
  assert.deepEqual(paths({ DPCKey: '\udc00x' }), ['/DPCKey']);
  assert.deepEqual(paths({ DPCKey: 'ok \ud83d\ude00' }), []);
  const k = validateWwanConfig({ Networks: [{ 'x\ud800': 1 }] });
  assert.ok(!k.ok);
  if (!k.ok) {
    assert.equal(k.errors[0]!.path, '/Networks/0/x\\ud800');
    assert.equal(
      Buffer.from(k.errors[0]!.path).toString(),
      k.errors[0]!.path,
      'the reported path is valid Unicode',
    );
  }
});

test('a config of the other kind is refused by each validator, an empty object by neither', () => {
  const global = { GlobalSettings: {}, AgentSettings: null };
  const r = validateWwanConfig(global);
  assert.ok(!r.ok);
  if (!r.ok)
    assert.deepEqual(r.errors, [
      { path: '', message: 'is a global config (it has GlobalSettings, AgentSettings), not a WwanConfig' },
    ]);
  const g = validateGlobalConfig({ Networks: [] });
  assert.ok(!g.ok);
  if (!g.ok) assert.match(g.errors[0]!.message, /is a WwanConfig .*not a global config/);
  assert.ok(validateWwanConfig({}).ok);
  assert.ok(validateGlobalConfig({}).ok);
  for (const neither of [{ Foo: 1 }, [], 'x', null, 1])
    for (const v of [validateWwanConfig, validateGlobalConfig]) assert.equal(v(neither).ok, false);
  assert.match(
    (detectConfigKind({ ['k'.repeat(10_000)]: 1 }) as { error: string }).error,
    /^none of its keys \(k{64}\.\.\.\)/,
  );
});

test('at most MAX_REPORTED_ERRORS errors, then how many more', () => {
  const r = validateWwanConfig({ Networks: Array.from({ length: 100 }, () => ({ MTU: 'x' })) });
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.equal(r.errors.length, MAX_REPORTED_ERRORS + 1);
  assert.match(r.errors.at(-1)!.message, /^\d+ more errors not shown$/);
});
