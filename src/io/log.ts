/**
 * The agent's logger: pino, JSON lines, written synchronously (no worker-thread transports: they
 * resolve their target module at run time and break once the agent is bundled into one file), with
 * every secret the agent handles censored before it is serialized.
 */
import { type DestinationStream, type Level, type LevelWithSilent, type Logger, pino } from 'pino';
import type { CipherBlockStatus, CleartextCredentials, WwanConfig } from '../schemas/types.generated.js';

export type { Logger } from 'pino';

/** What a censored value is replaced with, in logs and in redacted copies alike. */
export const REDACTED = '[redacted]';

/**
 * Key names whose values are secrets wherever they appear. Names, not paths: pino can only
 * censor a key at a depth its path list spells out, so each name is listed at every depth up to
 * MAX_DEPTH (below). `ClearTextHash` is the SHA-256 of the decrypted credentials: short passwords
 * can be recovered from it offline, so it is treated as a secret too.
 */
export const SECRET_KEYS: readonly string[] = [
  'Password',
  'password',
  'Passwd',
  'passwd',
  'Secret',
  'secret',
  'pin',
  'Pin',
  'PIN',
  'puk',
  'PUK',
  'ClearTextHash',
  'pubsub-large-CipherData',
];

/**
 * How deep below the logged object a secret key is still found. A WwanConfig logged as
 * `{config}` has its password at depth 6 (config.Networks[0].AccessPoint.CleartextCredentials.Password);
 * two more levels leave room for wrapping. Deeper values are not censored by pino; log configs
 * through redactConfig() so that depth never matters for them.
 */
const MAX_DEPTH = 8;

/** The WwanConfig secrets spelled out, for readers of this file (the wildcards cover them too). */
const WWAN_CONFIG_PATHS = [
  'Networks[*].AccessPoint.CleartextCredentials.Password',
  'Networks[*].AccessPoint.AttachCleartextCredentials.Password',
  'Networks[*].AccessPoint.EncryptedCredentials["pubsub-large-CipherData"]',
  'Networks[*].AccessPoint.EncryptedCredentials.ClearTextHash',
];

function accessor(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** pino redact paths: every secret key at depths 0..MAX_DEPTH, plus the WwanConfig paths under common wrappers. */
export function redactPaths(): string[] {
  const paths = new Set<string>();
  for (const key of SECRET_KEYS) {
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const prefix = Array.from({ length: depth }, () => '*').join('.');
      const a = accessor(key);
      paths.add(depth === 0 ? (a.startsWith('.') ? a.slice(1) : a) : prefix + a);
    }
  }
  for (const p of WWAN_CONFIG_PATHS) {
    paths.add(p);
    paths.add(`*.${p}`);
  }
  return [...paths];
}

/**
 * EVE log level names (pkg/pillar/agentlog/loglevel.go: "all", "none", then logrus.ParseLevel,
 * which is case-insensitive) and pino's own names, mapped to pino levels. logrus "panic" has no
 * pino equivalent; fatal is the closest.
 */
const LEVELS: Readonly<Record<string, LevelWithSilent>> = {
  all: 'trace',
  none: 'silent',
  silent: 'silent',
  panic: 'fatal',
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};

/** The pino level for an EVE (logrus) or pino level name, or undefined when it names none. */
export function toPinoLevel(name: string): LevelWithSilent | undefined {
  return LEVELS[name.trim().toLowerCase()];
}

/** Every level name toPinoLevel accepts, for usage texts. */
export const LEVEL_NAMES: readonly string[] = Object.keys(LEVELS);

export interface LoggerOptions {
  /** An EVE or pino level name; an unknown name falls back to info (and says so in the log). */
  readonly level: string;
  /** Where the JSON lines go; stdout (fd 1, synchronous) by default. Tests pass a stream. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** Extra fields on every line (e.g. {agent: 'wwan'}). */
  readonly base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = toPinoLevel(opts.level);
  // A sync destination: a crash or process.exit() right after a log call still gets the line out.
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const logger = pino(
    {
      level: level ?? 'info',
      base: opts.base ?? { pid: process.pid },
      redact: { paths: redactPaths(), censor: REDACTED },
      // ISO time is what people grep for in a bug report; epoch ms is what pino defaults to.
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as DestinationStream,
  );
  if (!level) logger.warn({ level: opts.level, valid: LEVEL_NAMES }, 'unknown log level, using info');
  return logger;
}

/** Changes a logger's level at run time (global config updates); false when the name is unknown. */
export function setLogLevel(logger: Logger, name: string): boolean {
  const level = toPinoLevel(name);
  if (!level) return false;
  logger.level = level;
  return true;
}

export type { Level, LevelWithSilent };

function redactCredentials(c: CleartextCredentials | undefined): CleartextCredentials | undefined {
  if (!c || c.Password === undefined || c.Password === '') return c;
  return { ...c, Password: REDACTED };
}

function redactCipher(c: CipherBlockStatus | undefined): CipherBlockStatus | undefined {
  if (!c) return c;
  const out: CipherBlockStatus = { ...c };
  // null/absent stays as it is: whether credentials were sent at all is useful and not secret.
  if (out['pubsub-large-CipherData'] != null) out['pubsub-large-CipherData'] = REDACTED;
  if (out.ClearTextHash != null) out.ClearTextHash = REDACTED;
  return out;
}

/**
 * A deep copy of a WwanConfig with every password, cipher text and cleartext hash replaced by
 * "[redacted]"; for logs, status and snapshot outputs. Empty passwords stay empty, so a reader can
 * still tell "no password" from "a password". The input is not modified.
 */
export function redactConfig(cfg: WwanConfig): WwanConfig {
  const copy = structuredClone(cfg);
  for (const net of copy.Networks ?? []) {
    const ap = net.AccessPoint;
    if (!ap) continue;
    if ('CleartextCredentials' in ap) ap.CleartextCredentials = redactCredentials(ap.CleartextCredentials);
    if ('AttachCleartextCredentials' in ap)
      ap.AttachCleartextCredentials = redactCredentials(ap.AttachCleartextCredentials);
    if ('EncryptedCredentials' in ap) ap.EncryptedCredentials = redactCipher(ap.EncryptedCredentials);
  }
  return copy;
}
