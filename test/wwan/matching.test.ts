/** Config ↔ modem matching: EVE's rule, plus a deterministic, documented assignment. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { PhysAddrs, WwanNetworkConfig } from '../../src/schemas/types.generated.js';
import {
  compareModems,
  configMatchesModem,
  type MatchResult,
  type ModemCandidate,
  matchConfigs,
  naturalCompare,
} from '../../src/wwan/matching.js';

const P1 = '0000:00:14.0';
const P2 = '0000:02:00.0';
const net = (label: string, addrs: PhysAddrs = {}): WwanNetworkConfig => ({
  LogicalLabel: label,
  PhysAddrs: addrs,
});
const modem = (key: string, addrs: PhysAddrs): ModemCandidate => ({ key, physAddrs: addrs });
const plain = (r: MatchResult) => ({
  assigned: Object.fromEntries(r.assigned),
  missing: r.missing,
  unmanaged: r.unmanaged,
});

describe('configMatchesModem (EVE rule)', () => {
  const m: PhysAddrs = { Interface: 'wwan0', USB: '1:1', PCI: P1, Dev: '/dev/cdc-wdm0' };
  const cases: [string, PhysAddrs | undefined, PhysAddrs, boolean][] = [
    ['empty config matches any modem', {}, m, true],
    ['missing config PhysAddrs matches any modem', undefined, m, true],
    ['Interface equal', { Interface: 'wwan0' }, m, true],
    ['Interface differs', { Interface: 'wwan1' }, m, false],
    ['USB + PCI equal (what NIM sends)', { USB: '1:1', PCI: P1 }, m, true],
    ['USB equal, PCI differs', { USB: '1:1', PCI: P2 }, m, false],
    ['PCI in upper case', { PCI: '0000:00:1C.0' }, { PCI: '0000:00:1c.0' }, true],
    ['all three equal', { Interface: 'wwan0', USB: '1:1', PCI: P1 }, m, true],
    ['config field the modem lacks', { USB: '1:1' }, { Interface: 'wwan0' }, false],
    ['Dev is never compared', { Dev: '/dev/other' }, m, true],
    ['all-empty modem never matches, not even an empty config', {}, {}, false],
    ['a modem with only Dev counts as all-empty', {}, { Dev: '/dev/cdc-wdm0' }, false],
    ['all-empty modem vs specific config', { Interface: '' }, { Interface: '', USB: '', PCI: '' }, false],
  ];
  for (const [what, cfg, mod, want] of cases)
    test(what, () => assert.equal(configMatchesModem(cfg, mod), want));
});

describe('matchConfigs', () => {
  test('one config per modem by address; the rest unmanaged', () => {
    const r = matchConfigs(
      [net('wwan-a', { USB: '1:1', PCI: P1 }), net('wwan-b', { PCI: P2 })],
      [
        modem('/m/0', { Interface: 'wwan0', USB: '1:1', PCI: P1 }),
        modem('/m/1', { Interface: 'wwan1', PCI: P2 }),
        modem('/m/2', { Interface: 'wwan2', USB: '1:3', PCI: P1 }),
      ],
    );
    assert.deepEqual(plain(r), {
      assigned: { 'wwan-a': '/m/0', 'wwan-b': '/m/1' },
      missing: [],
      unmanaged: ['/m/2'],
    });
  });

  test('configured modem absent: missing; empty labels and repeated labels ignored', () => {
    const r = matchConfigs(
      [
        net('', {}),
        net('x', { USB: '9:9' }),
        net('y', { Interface: 'wwan0' }),
        net('y', { Interface: 'wwan1' }),
      ],
      [modem('/m/0', { Interface: 'wwan0' }), modem('/m/1', { Interface: 'wwan1' })],
    );
    assert.deepEqual(plain(r), { assigned: { y: '/m/0' }, missing: ['x'], unmanaged: ['/m/1'] });
  });

  test('a modem with unknown addresses is never taken, even by a wildcard config', () => {
    const r = matchConfigs([net('any')], [modem('/m/0', {}), modem('/m/1', { Dev: '/dev/cdc-wdm0' })]);
    assert.deepEqual(plain(r), { assigned: {}, missing: ['any'], unmanaged: ['/m/0', '/m/1'] });
  });

  test('no config, null Networks, no modems', () => {
    assert.deepEqual(plain(matchConfigs(null, [modem('/m/0', { USB: '1:1' })])), {
      assigned: {},
      missing: [],
      unmanaged: ['/m/0'],
    });
    assert.deepEqual(plain(matchConfigs([net('a')], [])), { assigned: {}, missing: ['a'], unmanaged: [] });
  });

  test('a wildcard listed first does not take the modem a specific config names', () => {
    const r = matchConfigs(
      [net('wild'), net('pinned', { USB: '1:1' })],
      [modem('/m/0', { USB: '1:1' }), modem('/m/1', { USB: '1:2' })],
    );
    assert.deepEqual(plain(r), { assigned: { pinned: '/m/0', wild: '/m/1' }, missing: [], unmanaged: [] });
  });

  test('wildcards take modems by physical address, not by object path', () => {
    const r = matchConfigs(
      [net('first'), net('second')],
      [modem('/m/7', { USB: '1:10', PCI: P1 }), modem('/m/3', { USB: '1:9', PCI: P1 })],
    );
    // 1:9 < 1:10 numerically, whatever the object paths say
    assert.deepEqual(plain(r).assigned, { first: '/m/3', second: '/m/7' });
  });

  test('when only a re-arrangement serves everyone, an earlier config moves (augmenting path)', () => {
    // both configs pin one field; "bus" is served first (given order) and would take /m/0, the
    // only modem "port" can use
    const r = matchConfigs(
      [net('bus', { PCI: P1 }), net('port', { USB: '1:1' })],
      [modem('/m/0', { USB: '1:1', PCI: P1 }), modem('/m/1', { USB: '1:2', PCI: P1 })],
    );
    assert.deepEqual(plain(r), { assigned: { bus: '/m/1', port: '/m/0' }, missing: [], unmanaged: [] });
  });

  test('when not everyone can be served, the earlier config keeps its modem', () => {
    const r = matchConfigs(
      [net('a', { PCI: P1 }), net('b', { PCI: P1 })],
      [modem('/m/0', { USB: '1:1', PCI: P1 })],
    );
    assert.deepEqual(plain(r), { assigned: { a: '/m/0' }, missing: ['b'], unmanaged: [] });
  });

  describe('previous assignment (hotplug)', () => {
    const m2 = modem('/m/2', { USB: '1:2' });
    const m1 = modem('/m/5', { USB: '1:1' }); // plugged in later, ranks first
    test('a new modem does not take a working modem’s config', () => {
      const r = matchConfigs([net('wild')], [m1, m2], { previous: new Map([['wild', '/m/2']]) });
      assert.deepEqual(plain(r), { assigned: { wild: '/m/2' }, missing: [], unmanaged: ['/m/5'] });
    });
    test('without it, the best-ranked modem is taken', () => {
      assert.deepEqual(plain(matchConfigs([net('wild')], [m1, m2])).assigned, { wild: '/m/5' });
    });
    test('a previous modem that is gone or no longer matches is ignored', () => {
      const gone = matchConfigs([net('wild')], [m1], { previous: new Map([['wild', '/m/2']]) });
      assert.deepEqual(plain(gone).assigned, { wild: '/m/5' });
      const moved = matchConfigs([net('p', { USB: '1:1' })], [m1, m2], {
        previous: new Map([['p', '/m/2']]),
      });
      assert.deepEqual(plain(moved).assigned, { p: '/m/5' });
    });
    test('kept assignments still yield to a config that has no other choice', () => {
      const r = matchConfigs([net('wild'), net('p', { USB: '1:2' })], [m1, m2], {
        previous: new Map([['wild', '/m/2']]),
      });
      assert.deepEqual(plain(r).assigned, { wild: '/m/5', p: '/m/2' });
    });
  });
});

describe('modem rank', () => {
  test('natural order of names and USB paths', () => {
    const sorted = ['wwan10', 'wwan2', '1:2.10', '1:2.3', 'a', '1:10', '1:9'].sort(naturalCompare);
    assert.deepEqual(sorted, ['1:2.3', '1:2.10', '1:9', '1:10', 'a', 'wwan2', 'wwan10']);
  });
  test('PCI, then USB, then Interface, then key; empty last', () => {
    const ms = [
      modem('/m/1', { Interface: 'wwan0' }),
      modem('/m/2', { PCI: P2 }),
      modem('/m/3', { PCI: P1, USB: '1:2' }),
      modem('/m/4', { PCI: P1, USB: '1:1', Interface: 'wwan9' }),
      modem('/m/5', { PCI: P1, USB: '1:1', Interface: 'wwan10' }),
      modem('/m/10', { Interface: 'wwan0' }),
      modem('/m/6', { PCI: P1 }),
    ];
    assert.deepEqual(
      [...ms].sort(compareModems).map((m) => m.key),
      ['/m/4', '/m/5', '/m/3', '/m/6', '/m/2', '/m/1', '/m/10'],
    );
  });
});

describe('determinism (EVE used Go map order)', () => {
  const configs = [
    net('w1'),
    net('pci', { PCI: P1 }),
    net('w2'),
    net('usb', { USB: '1:3' }),
    net('gone', { Interface: 'wwan9' }),
  ];
  const modems = [
    modem('/m/0', { Interface: 'wwan0', USB: '1:1', PCI: P1 }),
    modem('/m/1', { Interface: 'wwan1', USB: '1:2', PCI: P1 }),
    modem('/m/2', { Interface: 'wwan2', USB: '1:3', PCI: P1 }),
    modem('/m/3', { Interface: 'wwan3', PCI: P2 }),
    modem('/m/4', {}),
  ];
  const expected = {
    assigned: { pci: '/m/0', usb: '/m/2', w1: '/m/1', w2: '/m/3' },
    missing: ['gone'],
    unmanaged: ['/m/4'],
  };

  test('every permutation of the modems gives the same assignment', () => {
    const perms = (xs: ModemCandidate[]): ModemCandidate[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const all = perms(modems);
    assert.equal(all.length, 120);
    for (const p of all) assert.deepEqual(plain(matchConfigs(configs, p)), expected);
  });

  const addrs = fc.record({
    Interface: fc.constantFrom('', 'wwan0', 'wwan1', 'wwan2'),
    USB: fc.constantFrom('', '1:1', '1:2', '2:1.4'),
    PCI: fc.constantFrom('', P1, P2),
  });
  const world = fc.record({
    modems: fc.uniqueArray(
      fc.record({
        key: fc.constantFrom(...Array.from({ length: 8 }, (_, i) => `/m/${i}`)),
        physAddrs: addrs,
      }),
      {
        maxLength: 6,
        selector: (m) => m.key,
      },
    ),
    configs: fc.array(
      fc.record({ LogicalLabel: fc.constantFrom('', 'a', 'b', 'c', 'd'), PhysAddrs: addrs }),
      { maxLength: 6 },
    ),
    seed: fc.integer(),
    previous: fc.option(
      fc.array(
        fc.tuple(
          fc.constantFrom('a', 'b', 'c', 'd'),
          fc.constantFrom(...Array.from({ length: 8 }, (_, i) => `/m/${i}`)),
        ),
      ),
      { nil: undefined },
    ),
  });

  test('property: shuffled modems give the same result (with or without a previous assignment), a valid, maximum one', () => {
    fc.assert(
      fc.property(world, ({ modems: ms, configs: cs, seed, previous: prevPairs }) => {
        const opts = prevPairs ? { previous: new Map(prevPairs) } : {};
        const shuffled = [...ms].sort((a, b) => (hash(a.key, seed) - hash(b.key, seed)) | 0);
        const r = matchConfigs(cs, ms, opts);
        assert.deepEqual(plain(matchConfigs(cs, shuffled, opts)), plain(r));
        const labels = [...new Set(cs.map((c) => c.LogicalLabel).filter((l) => l !== ''))];
        assert.deepEqual([...r.assigned.keys(), ...r.missing].sort(), [...labels].sort());
        const used = [...r.assigned.values()];
        assert.equal(new Set(used).size, used.length, 'a modem drives at most one config');
        assert.deepEqual([...used, ...r.unmanaged].sort(), ms.map((m) => m.key).sort());
        for (const [label, key] of r.assigned) {
          const c = cs.find((x) => x.LogicalLabel === label);
          const m = ms.find((x) => x.key === key);
          assert.ok(
            c && m && configMatchesModem(c.PhysAddrs, m.physAddrs),
            `${label} ↔ ${key} does not match`,
          );
        }
        // maximum: no assignment serves more configs (brute force over the small world)
        const eligible = labels.map((l) => cs.find((x) => x.LogicalLabel === l)?.PhysAddrs);
        assert.equal(r.assigned.size, bestCount(eligible, ms), 'not a maximum assignment');
        // maximal: no missing config could take an unmanaged modem
        for (const label of r.missing) {
          const c = cs.find((x) => x.LogicalLabel === label);
          for (const key of r.unmanaged) {
            const m = ms.find((x) => x.key === key);
            assert.ok(
              !(c && m && configMatchesModem(c.PhysAddrs, m.physAddrs)),
              `${label} could have taken ${key}`,
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
  return h;
}

/** The most configs any assignment can serve (exhaustive; worlds here have at most 6 × 6). */
function bestCount(
  configs: readonly (PhysAddrs | undefined)[],
  ms: readonly ModemCandidate[],
  used = new Set<string>(),
): number {
  const [first, ...rest] = configs;
  if (configs.length === 0) return 0;
  let best = bestCount(rest, ms, used); // leave this config unserved
  for (const m of ms) {
    if (used.has(m.key) || !configMatchesModem(first, m.physAddrs)) continue;
    used.add(m.key);
    best = Math.max(best, 1 + bestCount(rest, ms, used));
    used.delete(m.key);
  }
  return best;
}
