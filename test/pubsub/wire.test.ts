import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { scenario } from '../../e2e/reliability/record.js';
import {
  decode,
  decodeBase64,
  encode,
  keyProblem,
  type Message,
  READ_BUFFER,
} from '../../src/pubsub/wire.js';

const text = (m: Message): string => encode(m).toString('utf8');

test('messages are encoded byte-exact as Go formats them', () => {
  assert.equal(text({ verb: 'request', topic: 'WwanConfig' }), 'request WwanConfig');
  assert.equal(text({ verb: 'hello', topic: 'WwanStatus', persistent: false }), 'hello WwanStatus false');
  assert.equal(text({ verb: 'hello', topic: 'WwanStatus' }), 'hello WwanStatus');
  assert.equal(
    text({ verb: 'update', topic: 'WwanStatus', key: 'global', json: '{"A":1}' }),
    'update WwanStatus Z2xvYmFs eyJBIjoxfQ==',
  );
  assert.equal(text({ verb: 'delete', topic: 'WwanStatus', key: 'global' }), 'delete WwanStatus Z2xvYmFs');
  assert.equal(text({ verb: 'complete', topic: 'WwanStatus' }), 'complete WwanStatus');
  assert.equal(text({ verb: 'restarted', topic: 'WwanStatus', count: 2 }), 'restarted WwanStatus 2');
});

test('decode parses what Go sends, including an old hello without the flag', () => {
  const d = (s: string) => decode(Buffer.from(s));
  assert.deepEqual(d('update T Z2xvYmFs eyJBIjoxfQ=='), {
    ok: true,
    msg: { verb: 'update', topic: 'T', key: 'global', json: '{"A":1}' },
  });
  assert.deepEqual(d('hello T'), { ok: true, msg: { verb: 'hello', topic: 'T' } });
  assert.deepEqual(d('hello T true'), { ok: true, msg: { verb: 'hello', topic: 'T', persistent: true } });
  assert.deepEqual(d('delete T Z2xvYmFs'), { ok: true, msg: { verb: 'delete', topic: 'T', key: 'global' } });
  assert.deepEqual(d('restarted T 3'), { ok: true, msg: { verb: 'restarted', topic: 'T', count: 3 } });
  assert.deepEqual(d('complete T'), { ok: true, msg: { verb: 'complete', topic: 'T' } });
});

test('malformed messages are classified', () => {
  const kind = (s: string | Buffer) => {
    const r = decode(typeof s === 'string' ? Buffer.from(s) : s);
    return r.ok ? 'ok' : r.kind;
  };
  assert.equal(kind('update T Z2xvYmFs'), 'field-count');
  assert.equal(kind('update T Z2xvYmFs e30= extra'), 'field-count');
  assert.equal(kind('update'), 'field-count');
  assert.equal(kind(''), 'field-count');
  assert.equal(kind('delete T'), 'field-count');
  assert.equal(kind('restarted T'), 'field-count');
  assert.equal(kind('restarted T x'), 'bad-number');
  assert.equal(kind('bogus T'), 'unknown-verb');
  assert.equal(kind('update T Z2xvYmFs not*base64'), 'bad-base64');
  assert.equal(kind('update T Z2xvYmF e30='), 'bad-base64'); // unpadded
  assert.equal(kind('delete T ???'), 'bad-base64');
  assert.equal(kind(Buffer.alloc(READ_BUFFER, 0x61)), 'truncated');
  assert.equal(kind(Buffer.alloc(READ_BUFFER - 1, 0x61)), 'field-count');
});

test('decodeBase64 accepts exactly Go StdEncoding', () => {
  assert.equal(decodeBase64('Z2xvYmFs'), 'global');
  assert.equal(decodeBase64(''), '');
  assert.equal(decodeBase64('YQ=='), 'a');
  for (const bad of ['YQ', 'YQ=', 'Y===', 'Z2xv-mFs', 'Z2xv_mFs', 'Z2 x', 'YQ==YQ==']) {
    assert.equal(decodeBase64(bad), undefined, bad);
  }
});

test('property: every update round-trips through encode and decode', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1 }).filter((s) => !s.includes(' ')),
      fc.string(),
      fc.jsonValue(),
      (topic, key, value) => {
        const json = JSON.stringify(value);
        const r = decode(encode({ verb: 'update', topic, key, json }));
        assert.deepEqual(r, { ok: true, msg: { verb: 'update', topic, key, json } });
      },
    ),
  );
});

test('property: decode never throws on arbitrary bytes', async () => {
  await scenario(
    {
      id: 'pubsub-arbitrary-frames',
      group: 'pubsub',
      title: 'Arbitrary bytes as a pubsub frame: classified as malformed, never a throw',
      inputs: 'random frames of 0 to 300 bytes (fast-check)',
      file: import.meta.url,
    },
    async (s) => {
      let malformed = 0;
      const runs = 10_000;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          const r = decode(bytes);
          assert.equal(typeof r.ok, 'boolean');
          if (!r.ok) malformed++;
        }),
        { numRuns: runs },
      );
      s.cycles(runs);
      s.figure('classifiedMalformed', malformed);
      s.figure('throws', 0);
    },
  );
});

test('key rules follow socketdriver: non-empty, no slash, <key>.json within 255 bytes', () => {
  assert.equal(keyProblem('global'), undefined);
  assert.equal(keyProblem('a'.repeat(250)), undefined);
  assert.match(keyProblem('a'.repeat(251)) ?? '', /too long/);
  assert.match(keyProblem('é'.repeat(126)) ?? '', /too long/); // 252 bytes + 5
  assert.match(keyProblem('') ?? '', /empty/);
  assert.match(keyProblem('a/b') ?? '', /'\/'/);
  assert.match(keyProblem('a\0b') ?? '', /NUL/);
});
