import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import {
  createLogger,
  isSecretKey,
  REDACTED,
  redactConfig,
  setLogLevel,
  toPinoLevel,
} from '../../src/io/log.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';

const example = (): WwanConfig =>
  JSON.parse(
    readFileSync(new URL('../../docs/examples/wwan-config.json', import.meta.url), 'utf8'),
  ) as WwanConfig;

/** A logger whose JSON lines are collected, and the text they make. */
function captured(level = 'trace') {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level, destination: stream });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () => chunks.join('').trim().split('\n').filter(Boolean),
  };
}

/** A config holding a distinct secret in every secret field. */
function secretConfig(): WwanConfig {
  const cfg = example();
  const ap = cfg.Networks![0]!.AccessPoint!;
  ap.CleartextCredentials = { Username: 'user', Password: 'S3CRET-data' };
  ap.AttachCleartextCredentials = { Username: 'attach', Password: 'S3CRET-attach' };
  ap.EncryptedCredentials = {
    CipherBlockID: 'block-1',
    'pubsub-large-CipherData': 'S3CRET-cipher',
    ClearTextHash: 'S3CRET-hash',
    InitialValue: 'aXY=',
    IsCipher: true,
  };
  return cfg;
}

test('a password never appears in log output, whatever the depth or wrapping', () => {
  const { logger, text } = captured();
  const cfg = secretConfig();
  logger.info({ config: cfg }, 'config');
  logger.info(cfg, 'config at the top');
  logger.debug({ a: { b: { c: cfg } } }, 'deeply wrapped');
  logger.warn(
    { Password: 'S3CRET-top', password: 'S3CRET-lower', passwd: 'S3CRET-passwd' },
    'top-level keys',
  );
  logger.error(
    { sim: { pin: 'S3CRET-pin', PIN: 'S3CRET-PIN' }, x: { y: { secret: 'S3CRET-secret' } } },
    'more',
  );
  logger.info({ list: [{ creds: { Password: 'S3CRET-in-array' } }] }, 'arrays');
  logger.child({ req: 1 }).info({ config: cfg }, 'child loggers redact too');
  const out = text();
  assert.doesNotMatch(out, /S3CRET/);
  assert.match(out, /\[redacted\]/);
  // Not over-eager: usernames and ordinary fields survive.
  assert.match(out, /"Username":"user"/);
  assert.match(out, /"APN":"internet"/);
  assert.match(out, /"CipherBlockID":"block-1"/);
});

test('log lines are JSON with ISO time and the given level', () => {
  const { logger, lines } = captured('info');
  logger.debug({}, 'hidden');
  logger.info({ n: 1 }, 'shown');
  const l = lines();
  assert.equal(l.length, 1);
  const rec = JSON.parse(l[0]!) as { level: number; msg: string; time: string; n: number };
  assert.equal(rec.msg, 'shown');
  assert.equal(rec.level, 30);
  assert.equal(rec.n, 1);
  assert.match(rec.time, /^\d{4}-\d\d-\d\dT/);
});

test('EVE level names map to pino levels', () => {
  assert.equal(toPinoLevel('all'), 'trace');
  assert.equal(toPinoLevel('none'), 'silent');
  assert.equal(toPinoLevel('panic'), 'fatal');
  assert.equal(toPinoLevel('warning'), 'warn');
  assert.equal(toPinoLevel('DEBUG'), 'debug');
  assert.equal(toPinoLevel('info'), 'info');
  assert.equal(toPinoLevel('verbose'), undefined);
});

test('an unknown level falls back to info and says so; setLogLevel changes the level', () => {
  const { logger, lines } = captured('loud');
  assert.equal(logger.level, 'info');
  assert.match(lines()[0]!, /unknown log level/);
  assert.equal(setLogLevel(logger, 'none'), true);
  logger.error({}, 'silenced');
  assert.equal(lines().length, 1);
  assert.equal(setLogLevel(logger, 'nope'), false);
  assert.equal(logger.level, 'silent');
});

test('redactConfig replaces every secret in a deep copy and leaves the input alone', () => {
  const cfg = secretConfig();
  const before = JSON.stringify(cfg);
  const r = redactConfig(cfg);
  assert.equal(JSON.stringify(cfg), before);
  assert.doesNotMatch(JSON.stringify(r), /S3CRET/);
  const ap = r.Networks![0]!.AccessPoint!;
  assert.equal(ap.CleartextCredentials?.Password, REDACTED);
  assert.equal(ap.AttachCleartextCredentials?.Password, REDACTED);
  assert.equal(ap.EncryptedCredentials?.['pubsub-large-CipherData'], REDACTED);
  assert.equal(ap.EncryptedCredentials?.ClearTextHash, REDACTED);
  assert.equal(ap.EncryptedCredentials?.InitialValue, 'aXY=');
  assert.equal(ap.CleartextCredentials?.Username, 'user');
  assert.equal(ap.APN, 'internet');
  assert.equal(r.DPCTimestamp, cfg.DPCTimestamp);
});

test('redactConfig keeps empty and absent secrets as they are (no password is not a secret)', () => {
  const cfg: WwanConfig = {
    Networks: [
      { LogicalLabel: 'a', AccessPoint: { APN: 'x', CleartextCredentials: { Username: 'u', Password: '' } } },
      { LogicalLabel: 'b' },
      { LogicalLabel: 'c', AccessPoint: { EncryptedCredentials: { 'pubsub-large-CipherData': null } } },
    ],
  };
  assert.deepEqual(redactConfig(cfg), cfg);
  assert.deepEqual(redactConfig({}), {});
  assert.deepEqual(redactConfig({ Networks: null }), { Networks: null });
});

test('secret keys: by name, case-insensitive, not by substring', () => {
  for (const k of [
    'Password',
    'password',
    'PASSWD',
    'AttachPassword',
    'secret',
    'ClientSecret',
    'pin',
    'PIN',
    'PUK',
    'pin2',
  ])
    assert.ok(isSecretKey(k), k);
  for (const k of ['pubsub-large-CipherData', 'pubsub-large-Anything', 'ClearTextHash'])
    assert.ok(isSecretKey(k), k);
  for (const k of [
    'Username',
    'Ping',
    'Pinned',
    'APN',
    'SecretName',
    'InitialValue',
    'pubsub-file-CipherData',
  ])
    assert.ok(!isSecretKey(k), k);
});

test('redaction reaches any depth, shared and circular references, and child bindings', () => {
  const { logger, text } = captured();
  let deep: Record<string, unknown> = { Password: 'S3CRET-deep' };
  for (let i = 0; i < 40; i++) deep = { next: deep };
  const shared = { Password: 'S3CRET-shared' };
  const cyclic: Record<string, unknown> = { secret: 'S3CRET-cycle' };
  cyclic.self = cyclic;
  logger.info({ deep, a: shared, b: shared, cyclic }, 'structures');
  logger.child({ creds: { Password: 'S3CRET-binding' } }).info({}, 'child');
  logger.child({ a: 1 }).child({ pin: 'S3CRET-grandchild' }, { level: 'trace' }).info({}, 'grandchild');
  assert.doesNotMatch(text(), /S3CRET/);
  // Class instances are left to pino's serializers (an Error keeps its message).
  logger.error({ err: new Error('plain failure') }, 'error');
  assert.match(text(), /plain failure/);
  // The logged objects themselves are untouched.
  assert.equal(shared.Password, 'S3CRET-shared');
});
