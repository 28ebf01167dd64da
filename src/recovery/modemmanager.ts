/**
 * Soft recovery 2: stop ModemManager by a signal to a process proven to be the one the agent saw, so
 * that its supervisor starts a fresh one. Never by name (no pkill, no kill command, nothing spawned):
 * a pid alone may have been recycled by an unrelated process since it was recorded, so the process's
 * name and its start time (which a recycled pid cannot share) are checked first.
 */
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../../reconciler/api.js';
import { DEFAULT_ROOTS, opContext, RecoveryError, type RecoveryFs, type RecoveryRoots, timed } from './fs.js';

/** ModemManager's /proc/<pid>/comm (the kernel keeps 15 bytes of the name; this fits). */
export const MODEMMANAGER_COMM = 'ModemManager';

/** PID_MAX_LIMIT on 64-bit Linux: no pid is larger. */
export const PID_MAX = 4_194_304;

/** What /proc says about a process: its name and its start time (field 22 of stat, clock ticks after boot). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly comm: string;
  /** Decimal, as in /proc (kept as text: it is compared, never computed with). */
  readonly startTime: string;
}

export interface ProcessOptions {
  readonly roots?: RecoveryRoots;
  readonly fs?: RecoveryFs;
  readonly clock?: Clock;
  /** Each file read's deadline (default 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * A pid that may be signalled: kill(0) signals our process group, kill(-1) every process we may
 * signal, kill(1) init. Those never come from a pid file we trust.
 */
export function validPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid >= 2 && pid <= PID_MAX;
}

const START_TIME = /^[0-9]{1,20}$/;

/**
 * The name and start time in a /proc/<pid>/stat line. The name sits in parentheses and may itself
 * hold spaces and ')', so the fields are counted from the last ')': state is field 3, start time 22.
 */
export function parseProcStat(text: string, pid: number): { comm: string; startTime: string } | undefined {
  const head = `${pid} (`;
  const close = text.lastIndexOf(')');
  if (!text.startsWith(head) || close < head.length) return undefined;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(' ');
  const startTime = fields[22 - 3];
  if (startTime === undefined || !START_TIME.test(startTime)) return undefined;
  return { comm: text.slice(head.length, close), startTime };
}

export type ProcessLookup =
  | { readonly ok: true; readonly identity: ProcessIdentity }
  | {
      readonly ok: false;
      /** gone: no such process; invalid: a pid never looked up; the rest: /proc could not be read. */
      readonly reason: 'gone' | 'invalid' | 'timeout' | 'aborted' | 'io';
      readonly error: string;
    };

/** identifyProcess with the reason when there is no answer. */
export async function inspectProcess(pid: number, opts: ProcessOptions = {}): Promise<ProcessLookup> {
  if (!validPid(pid)) return { ok: false, reason: 'invalid', error: `not a pid to look up: ${pid}` };
  const ctx = opContext(opts);
  const dir = join((opts.roots ?? DEFAULT_ROOTS).proc, String(pid));
  try {
    const commText = await timed(ctx, `read ${dir}/comm`, (fs) => fs.readText(join(dir, 'comm'), 64));
    const statText = await timed(ctx, `read ${dir}/stat`, (fs) => fs.readText(join(dir, 'stat'), 4096));
    if (commText === undefined || statText === undefined)
      return { ok: false, reason: 'gone', error: `no process ${pid} (${dir})` };
    const comm = commText.endsWith('\n') ? commText.slice(0, -1) : commText;
    const stat = parseProcStat(statText, pid);
    if (!stat) return { ok: false, reason: 'io', error: `${dir}/stat: not a stat line for pid ${pid}` };
    // Both name the same task; a difference means the pid changed hands between the two reads.
    if (stat.comm !== comm)
      return {
        ok: false,
        reason: 'io',
        error: `process ${pid} changed while read: comm ${JSON.stringify(comm)}, stat ${JSON.stringify(stat.comm)}`,
      };
    return { ok: true, identity: { pid, comm, startTime: stat.startTime } };
  } catch (err) {
    const e = err instanceof RecoveryError ? err : new RecoveryError('io', String(err));
    return { ok: false, reason: e.reason, error: e.message };
  }
}

/**
 * The name and start time of `pid` from /proc, to record when the agent first sees ModemManager and
 * to compare before signalling it. undefined: no such process, or /proc could not be read in time
 * (inspectProcess says which).
 */
export async function identifyProcess(
  pid: number,
  opts: ProcessOptions = {},
): Promise<ProcessIdentity | undefined> {
  const r = await inspectProcess(pid, opts);
  return r.ok ? r.identity : undefined;
}

/**
 * The ModemManager to stop: the identity recorded when the agent first saw it (the safe form), or a
 * pid file to read now, optionally with the recorded start time. With a pid file and no start time,
 * only the name is checked: a recycled pid that happens to be another ModemManager is still one.
 */
export type ModemManagerProcess =
  | { readonly pid: number; readonly startTime: string }
  | { readonly pidFile: string; readonly startTime?: string };

export interface RestartOptions extends ProcessOptions {
  /** Sends the signal (default process.kill). */
  readonly kill?: (pid: number, sig: NodeJS.Signals) => void;
}

export type RestartFailure =
  /** A bad pid, start time or pid file path, a pid file without a pid, or our own pid. */
  | 'invalid'
  /** No pid file, or no such process: ModemManager is not running (its supervisor's turn). */
  | 'gone'
  /** The pid belongs to a process with another name. */
  | 'not-modemmanager'
  /** The pid is a ModemManager started at another time than the one recorded. */
  | 'recycled'
  | 'timeout'
  | 'aborted'
  | 'io'
  /** kill(2) refused (EPERM) or failed. */
  | 'kill-failed';

export type RestartResult =
  | { readonly ok: true; readonly pid: number; readonly startTime: string; readonly signal: 'SIGTERM' }
  | { readonly ok: false; readonly reason: RestartFailure; readonly error: string; readonly pid?: number };

const defaultKill = (pid: number, sig: NodeJS.Signals): void => {
  process.kill(pid, sig);
};

/**
 * Sends SIGTERM to ModemManager after checking /proc/<pid>/comm is ModemManager and, when a start
 * time is known, that /proc/<pid>/stat's start time equals it. Starts nothing and does not wait:
 * whoever supervises ModemManager restarts it, and the agent sees it come back on D-Bus. Never
 * throws; on any doubt nothing is signalled.
 */
export async function restartModemManager(
  expected: ModemManagerProcess,
  opts: RestartOptions = {},
): Promise<RestartResult> {
  const fail = (reason: RestartFailure, error: string, pid?: number): RestartResult =>
    pid === undefined ? { ok: false, reason, error } : { ok: false, reason, error, pid };
  const startTime = expected.startTime;
  if (startTime !== undefined && !START_TIME.test(startTime))
    return fail('invalid', `not a process start time: ${JSON.stringify(startTime)}`);

  let pid: number;
  if ('pid' in expected) {
    pid = expected.pid;
  } else {
    const file = expected.pidFile;
    if (!isAbsolute(file) || file.includes('\0'))
      return fail('invalid', `pid file must be an absolute path: ${JSON.stringify(file)}`);
    let text: string | undefined;
    try {
      text = await timed(opContext(opts), `read ${file}`, (fs) => fs.readText(file, 32));
    } catch (err) {
      const e = err instanceof RecoveryError ? err : new RecoveryError('io', String(err));
      return fail(e.reason, e.message);
    }
    if (text === undefined) return fail('gone', `no pid file ${file}: ModemManager is not running`);
    const m = /^\s*([0-9]{1,7})\s*$/.exec(text);
    if (!m) return fail('invalid', `${file} holds no pid: ${JSON.stringify(text)}`);
    pid = Number(m[1]);
  }
  if (!validPid(pid)) return fail('invalid', `not a pid to signal: ${pid}`);
  if (pid === process.pid) return fail('invalid', `pid ${pid} is this agent, not ModemManager`, pid);

  const found = await inspectProcess(pid, opts);
  if (!found.ok) return fail(found.reason, `${found.error}; no signal sent`, pid);
  const id = found.identity;
  if (id.comm !== MODEMMANAGER_COMM)
    return fail(
      'not-modemmanager',
      `pid ${pid} is ${JSON.stringify(id.comm)}, not ${MODEMMANAGER_COMM} (pid recycled?); no signal sent`,
      pid,
    );
  if (startTime !== undefined && id.startTime !== startTime)
    return fail(
      'recycled',
      `pid ${pid} is a ${MODEMMANAGER_COMM} started at tick ${id.startTime}, not the one seen at tick ${startTime}; no signal sent`,
      pid,
    );
  if (opts.signal?.aborted)
    return fail('aborted', `aborted before signalling pid ${pid}; no signal sent`, pid);
  try {
    (opts.kill ?? defaultKill)(pid, 'SIGTERM');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const msg = err instanceof Error ? err.message : String(err);
    if (code === 'ESRCH') return fail('gone', `pid ${pid} exited before the signal: ${msg}`, pid);
    return fail('kill-failed', `SIGTERM to pid ${pid} failed: ${msg}`, pid);
  }
  return { ok: true, pid, startTime: id.startTime, signal: 'SIGTERM' };
}
