/**
 * Credentials per modem (src/agent/secrets.ts) and what a blocked modem's items are: EVE's rules
 * (cleartext when IsCipher is false; decrypted otherwise; a failure blocks that modem's connection).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_DECRYPTION_ERROR, secretsFromConfig } from '../../src/agent/secrets.js';
import type { CipherBlockInput } from '../../src/cipher/index.js';
import { desiredItems } from '../../src/modemitems/desired.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';

const enc = (id: string): CipherBlockInput => ({ CipherBlockID: id, IsCipher: true });
const config: WwanConfig = {
  Networks: [
    {
      LogicalLabel: 'clear',
      AccessPoint: {
        APN: 'a',
        CleartextCredentials: { Username: 'u1', Password: 'p1' },
        EncryptedCredentials: { IsCipher: false },
      },
    },
    {
      LogicalLabel: 'good',
      AccessPoint: {
        APN: 'b',
        AttachAPN: 'att',
        EncryptedCredentials: enc('g'),
        CleartextCredentials: { Username: 'ignored', Password: 'ignored' },
      },
    },
    { LogicalLabel: 'bad', AccessPoint: { APN: 'c', AttachAPN: 'att', EncryptedCredentials: enc('b') } },
  ],
};

test('cleartext when not encrypted; decrypted blocks replace the cleartext ones; a failing block blocks its modem', () => {
  const s = secretsFromConfig(config, (block) =>
    block.CipherBlockID === 'g'
      ? { ok: true, connection: { user: 'du', password: 'dp' }, attach: { user: 'au', password: 'ap' } }
      : { ok: false, failure: 'key-mismatch', error: 'wrong key' },
  );
  assert.deepEqual(s.secrets.get('clear'), { connection: { user: 'u1', password: 'p1' } });
  assert.deepEqual(s.secrets.get('good'), {
    connection: { user: 'du', password: 'dp' },
    attach: { user: 'au', password: 'ap' },
  });
  assert.deepEqual(s.secrets.get('bad'), { blocked: 'wrong key' });
  assert.deepEqual([...s.errors], [['bad', 'wrong key']]);
  assert.deepEqual(
    s.ciphers.map((c) => [c.label, c.result.ok]),
    [
      ['good', true],
      ['bad', false],
    ],
  );
});

test('without decryption (file mode, plan) an encrypted block is an error for its modem, never an empty login', () => {
  const s = secretsFromConfig(config);
  assert.equal(s.errors.get('good'), NO_DECRYPTION_ERROR);
  assert.deepEqual(s.secrets.get('good'), { blocked: NO_DECRYPTION_ERROR });
  assert.deepEqual(s.ciphers, []);
});

test('a blocked modem keeps its radio and telemetry items but has no attach and no connection', () => {
  const s = secretsFromConfig(config);
  const { items } = desiredItems({
    radioSilence: false,
    modems: (config.Networks ?? []).map((n) => ({ name: n.LogicalLabel!, config: n })),
    signalRateSeconds: 10,
    locationRefreshSeconds: 10,
    network: false,
    secrets: (name) => s.secrets.get(name) ?? {},
  });
  const of = (name: string) =>
    items
      .filter((p) => p.item.name === name)
      .map((p) => p.item.type)
      .sort();
  assert.deepEqual(of('good'), ['mm.location', 'mm.radio', 'mm.signal']);
  assert.ok(of('clear').includes('mm.connection'));
});
