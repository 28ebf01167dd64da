/**
 * The secrets every reliability scenario runs with, and the scan that proves they leak nowhere: not
 * as written, not JSON-, URL- or base64-encoded (at any byte alignment, so inside a longer encoded
 * string too), not as hex, and not as a short digest prefix that would identify them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioContext } from './record.js';

/** Recognisable, and with characters that every encoding changes (space, %, /, &, +). */
export const PASSWORD = 'Rel1a%Pa55 w0rd/9f&K+q';
export const USERNAME = 'soak-user';
/** Eight digits: four would turn up by chance in timestamps and durations. */
export const PIN = '58213947';

export interface SecretForm {
  readonly secret: 'password' | 'pin';
  readonly form: string;
  readonly needle: string;
}

function base64Cores(secret: Buffer): { form: string; needle: string }[] {
  const out: { form: string; needle: string }[] = [];
  for (let k = 0; k < 3; k++) {
    const full = Buffer.concat([Buffer.alloc(k, 0x41), secret]).toString('base64');
    // Only the 4-character groups made of the secret's bytes alone are the same in any container.
    const first = Math.ceil(k / 3);
    const last = Math.floor((k + secret.length) / 3);
    const core = full.slice(first * 4, last * 4);
    if (core.length >= 8) {
      out.push({ form: `base64 (offset ${k})`, needle: core });
      out.push({ form: `base64url (offset ${k})`, needle: core.replace(/\+/g, '-').replace(/\//g, '_') });
    }
  }
  return out;
}

const DIGESTS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

/** Every form of `value` the scan looks for; digest prefixes are 8 hex characters (32 bits). */
export function formsOf(
  secret: SecretForm['secret'],
  value: string,
  joined: readonly string[] = [],
): SecretForm[] {
  const forms: { form: string; needle: string }[] = [
    { form: 'as written', needle: value },
    { form: 'JSON-escaped', needle: JSON.stringify(value).slice(1, -1) },
    { form: 'URL-encoded', needle: encodeURIComponent(value) },
    { form: 'form-encoded', needle: new URLSearchParams({ x: value }).toString().slice(2) },
    { form: 'hex', needle: Buffer.from(value).toString('hex') },
    { form: 'HEX', needle: Buffer.from(value).toString('hex').toUpperCase() },
    ...base64Cores(Buffer.from(value)),
  ];
  for (const input of [value, ...joined]) {
    for (const alg of DIGESTS) {
      const d = createHash(alg).update(input).digest();
      const label = input === value ? alg : `${alg} of ${JSON.stringify(input.replace(value, '<secret>'))}`;
      forms.push({ form: `${label} hex prefix`, needle: d.toString('hex').slice(0, 8) });
      forms.push({ form: `${label} base64 prefix`, needle: d.toString('base64').slice(0, 8) });
    }
  }
  const seen = new Set<string>();
  return forms
    .filter((f) => f.needle.length > 0 && !seen.has(f.needle) && seen.add(f.needle))
    .map((f) => ({ secret, ...f }));
}

/** The forms of this suite's password and PIN (the password also joined with the username, as credentials are hashed or sent). */
export const SECRET_FORMS: readonly SecretForm[] = [
  ...formsOf('password', PASSWORD, [
    `${USERNAME}\u0000${PASSWORD}`,
    `${USERNAME}:${PASSWORD}`,
    `${USERNAME}${PASSWORD}`,
  ]),
  ...formsOf('pin', PIN),
];

export interface Leak {
  readonly source: string;
  readonly secret: SecretForm['secret'];
  readonly form: string;
  /** Up to 40 characters either side, the secret itself masked. */
  readonly context: string;
}

/** Scans texts for every form; returns the leaks found and counts what was scanned. */
export class SecretScanner {
  readonly leaks: Leak[] = [];
  sources = 0;
  bytes = 0;

  constructor(private readonly forms: readonly SecretForm[] = SECRET_FORMS) {}

  scanText(source: string, text: string): void {
    this.sources++;
    this.bytes += Buffer.byteLength(text);
    for (const f of this.forms) {
      const i = text.indexOf(f.needle);
      if (i < 0) continue;
      const context = `${text.slice(Math.max(0, i - 40), i)}<${f.form}>${text.slice(i + f.needle.length, i + f.needle.length + 40)}`;
      this.leaks.push({ source, secret: f.secret, form: f.form, context });
    }
  }

  /** Every regular file under `dir`, recursively (binary files as latin1, so byte needles still match). */
  async scanDir(dir: string, label = dir): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      const st = await stat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) await this.scanDir(p, `${label}/${e}`);
      else if (st.isFile()) this.scanText(`${label}/${e}`, (await readFile(p)).toString('latin1'));
    }
  }

  /** A one-line summary for the ledger. */
  summary(): { sources: number; bytes: number; forms: number; leaks: number } {
    return { sources: this.sources, bytes: this.bytes, forms: this.forms.length, leaks: this.leaks.length };
  }
}

/**
 * The end of every scenario: scans `dirs` and `texts`, records `secretsScanned` (sources, the inputs
 * excepted) and `secretsFound`, and asserts that nothing but the inputs holds a secret. Files matching
 * `inputs` (the config given to the agent) must hold them: that proves the scan can see them.
 */
export async function assertNoSecrets(
  s: ScenarioContext,
  what: {
    readonly dirs?: readonly (readonly [dir: string, label: string])[];
    readonly texts?: readonly (readonly [label: string, text: string])[];
    readonly inputs?: RegExp;
  },
): Promise<SecretScanner> {
  const scanner = new SecretScanner();
  for (const [dir, label] of what.dirs ?? []) await scanner.scanDir(dir, label);
  for (const [label, text] of what.texts ?? []) scanner.scanText(label, text);
  const inputs = what.inputs;
  const fromInputs = inputs ? scanner.leaks.filter((l) => inputs.test(l.source)) : [];
  if (inputs) assert.ok(fromInputs.length > 0, `the scan finds the secrets in the inputs (${inputs})`);
  const leaks = scanner.leaks.filter((l) => !fromInputs.includes(l));
  s.figure('secretsScanned', scanner.sources - new Set(fromInputs.map((l) => l.source)).size);
  s.figure('secretsFound', leaks.length);
  assert.deepEqual(
    leaks.map((l) => `${l.source}: ${l.secret} ${l.form}: ${l.context}`),
    [],
    'no secret in any output',
  );
  return scanner;
}
