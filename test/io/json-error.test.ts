import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateJsonError } from '../../src/io/json-error.js';

test('finds the line, column and reason of the first JSON error', () => {
  const cases: [string, number, number, RegExp][] = [
    ['{\n  "Networks": [\n    ,\n  ]\n}', 3, 5, /unexpected ','/],
    ['{"a":1,}', 1, 8, /expected '"' \(a property name\)/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['{"a":', 1, 6, /unexpected end of input/],
    ['', 1, 1, /unexpected end of input/],
    ['[1,2', 1, 5, /expected ',' or '\]'/],
    ['{"a":"\\x"}', 1, 8, /escape/],
    ['{"a":tru}', 1, 9, /expected 'true'/],
    ['{"a":1} x', 1, 9, /expected end of input/],
    ['{"a":"b\n"}', 1, 8, /control characters/],
    ['{"a":"\\u12G4"}', 1, 11, /hex digit/],
    ["{'a':1}", 1, 2, /property name/],
  ];
  for (const [text, line, column, reason] of cases) {
    assert.throws(() => JSON.parse(text));
    const e = locateJsonError(text);
    assert.ok(e, text);
    assert.equal(e.line, line, text);
    assert.equal(e.column, column, text);
    assert.match(e.reason, reason, text);
  }
});

test('valid JSON has no error', () => {
  for (const text of [
    '{}',
    '[]',
    '0',
    '-1.5e+3',
    '"\\u00e9\\n"',
    ' {"a":[1,{"b":null,"c":true}],"d":false} ',
  ]) {
    JSON.parse(text);
    assert.equal(locateJsonError(text), undefined, text);
  }
});

test('a byte order mark is named as such', () => {
  const e = locateJsonError('\ufeff{"a":1}');
  assert.equal(e?.column, 1);
  assert.match(e?.reason ?? '', /byte order mark/);
});

test('any depth: 200,000 unclosed brackets and 2,000,000 closed ones are located, not a stack overflow', () => {
  const open = '['.repeat(200_000);
  assert.deepEqual(locateJsonError(open), {
    offset: 200_000,
    line: 1,
    column: 200_001,
    reason: 'unexpected end of input, expected a value (200000 nested arrays or objects left open)',
  });
  const objects = '{"a":'.repeat(200_000);
  assert.match(locateJsonError(objects)?.reason ?? '', /unexpected end of input/);
  const closedButOne = `${'['.repeat(2_000_000)}${']'.repeat(1_999_999)}`;
  assert.equal(
    locateJsonError(closedButOne)?.reason,
    "unexpected end of input, expected ',' or ']' (1 nested array or object left open)",
  );
  const mixed = `${'{"a":['.repeat(50_000)}1${']}'.repeat(50_000)}`;
  JSON.parse(mixed);
  assert.equal(locateJsonError(mixed), undefined);
});

test('a 4 MB array of numbers is scanned in linear time', () => {
  const text = `[${'1,'.repeat(2_000_000)}`;
  const t0 = performance.now();
  assert.equal(locateJsonError(text)?.offset, text.length);
  // Quadratic (a copy of the rest per number) would take minutes; linear takes well under a second.
  assert.ok(performance.now() - t0 < 5000);
});
