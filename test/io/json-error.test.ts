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
