/** LayeredMap against a native Map: same contents, same order, old versions unchanged, folding. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LayeredMap } from '../../reconciler/layered-map.js';

type Edit = readonly [key: string, value: number | null];

/** A native Map edited the way a graph edit edits: set moves nothing, delete then set appends. */
function nativeWith(m: ReadonlyMap<string, number>, edits: readonly Edit[]): Map<string, number> {
  const out = new Map(m);
  for (const [k, v] of edits) {
    if (v === null) out.delete(k);
    else out.set(k, v);
  }
  return out;
}

test('any sequence of edits: contents, size, get/has and old versions as with native Maps', () => {
  const key = fc.integer({ min: 0, max: 300 }).map((i) => `k${i}`);
  const edit = fc.tuple(key, fc.option(fc.integer(), { nil: null }));
  fc.assert(
    fc.property(fc.array(fc.array(edit, { maxLength: 80 }), { maxLength: 40 }), (batches) => {
      let l = LayeredMap.empty<string, number>();
      let n = new Map<string, number>();
      const history: [LayeredMap<string, number>, Map<string, number>][] = [];
      for (const batch of batches) {
        // One edit carries each key once (its last value), as editGraph's change map does.
        const last = new Map<string, number | null>();
        for (const [k, v] of batch) last.set(k, v);
        l = l.with(last);
        n = nativeWith(n, [...last]);
        history.push([l, n]);
      }
      for (const [lv, nv] of history) {
        assert.equal(lv.size, nv.size);
        assert.deepEqual(new Map(lv), nv);
        for (let i = 0; i <= 300; i++) {
          assert.equal(lv.get(`k${i}`), nv.get(`k${i}`));
          assert.equal(lv.has(`k${i}`), nv.has(`k${i}`));
        }
        const seen: string[] = [];
        lv.forEach((_v, k) => {
          seen.push(k);
        });
        assert.deepEqual(seen, [...lv.keys()]);
        assert.deepEqual(
          [...lv.values()],
          [...lv.keys()].map((k) => lv.get(k)),
        );
      }
    }),
    { numRuns: 200 },
  );
});

test('a set keeps its place, a new key goes last, and folding keeps that order', () => {
  const base = LayeredMap.own(new Map<string, number>(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])));
  const one = base.with(new Map([['k5', -5]]));
  assert.equal([...one.keys()][5], 'k5');
  assert.equal(one.get('k5'), -5);
  assert.equal(base.get('k5'), 5, 'the old version is unchanged');
  let m = one;
  for (let i = 0; i < 500; i++) m = m.with(new Map([[`new${i}`, i]]));
  assert.equal(m.size, 1500);
  const keys = [...m.keys()];
  assert.equal(keys[5], 'k5');
  assert.deepEqual(keys.slice(1000, 1003), ['new0', 'new1', 'new2']);
  const gone = m.with(new Map<string, number | null>([['k0', null]]));
  assert.equal(gone.has('k0'), false);
  assert.equal(gone.size, 1499);
  assert.equal(m.has('k0'), true);
});
