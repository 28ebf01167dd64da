/**
 * EVE's watchdog conventions for the wwan agent (reference eve-pubsub.md §1.8, eve-mmagent.md §4.15):
 * - `<runDir>/wwan.pid` holds our pid in decimal (pillar's pidfile.CheckAndCreatePidfile), written at
 *   start, which fails, as Go's does, while the pid in an existing file is a live process (another
 *   agent); a dead or unreadable one is replaced. Our own pid there is not another agent;
 * - `<runDir>/wwan.touch` is touched every 25 s while the agent's main loop is healthy. EVE's
 *   watchdog daemon (registered by mm-init.sh) reboots the device when the file goes stale, so
 *   when the loop is stuck we must stop touching: the touch is skipped when the loop's last
 *   heartbeat is older than `stuckAfterMs`. A blocked event loop stops it by itself (the timer
 *   cannot fire); a lagging one is logged with the lag;
 * - with `wwan.modem.recovery.watchdog`, per modem seen at least once: the target
 *   `<runDir>/wwan-modem-<label>.touch`, touched while the modem is there, and its registration
 *   `<runDir>/watchdog/file/wwan-modem-<label>.touch`. A modem gone for 500 s makes EVE reboot
 *   the device (hard recovery). Disabling the option removes both files of every modem.
 * Filesystem and clock are injectable. Nothing here throws into the agent: failures are logged,
 * once per kind until the next success.
 */
import { open, readFile, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../reconciler/api.js';
import { systemClock } from '../../reconciler/api.js';
import type { Logger } from '../../reconciler/controller.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { makeDirectory } from '../io/make-directory.js';

/** mmagent's `wdTouchPeriod`. */
export const WATCHDOG_TOUCH_PERIOD_MS = 25_000;
/**
 * A loop silent for this long is stuck. Two periods and a margin: the loop's own tick (which calls
 * heartbeat()) may run just after our touch. EVE's daemon waits far longer (minutes) before acting.
 */
export const DEFAULT_STUCK_AFTER_MS = 60_000;
/** A touch timer this late means the event loop was blocked that long: worth a log line. */
const LAG_WARN_MS = 5_000;

/** The file operations the watchdog needs; the default is node:fs. */
export interface WatchdogFs {
  /** Creates `path` if missing and sets its access and modification times to `at`. */
  touch(path: string, at: Date): Promise<void>;
  /** Replaces `path` with `data` atomically. */
  writeFile(path: string, data: string): Promise<void>;
  /** The file's text, or undefined when there is none. */
  readFile(path: string): Promise<string | undefined>;
  /** Removes `path`; a missing file is not an error. */
  remove(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
}

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;

export const nodeWatchdogFs: WatchdogFs = {
  async touch(path, at) {
    try {
      await utimes(path, at, at);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw err;
      // Created empty (as `touch` does), then dated: a new file must not look older than `at`.
      await (await open(path, 'a', 0o644)).close();
      await utimes(path, at, at);
    }
  },
  writeFile: (path, data) => writeFileAtomic(path, data, { mode: 0o644 }),
  async readFile(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return undefined;
      throw err;
    }
  },
  async remove(path) {
    try {
      await unlink(path);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw err;
    }
  },
  async mkdir(path) {
    await makeDirectory(path);
  },
};

export interface WatchdogOptions {
  /** EVE's /run. */
  readonly runDir: string;
  /** The agent name in file names (default `wwan`). */
  readonly agent?: string;
  readonly periodMs?: number;
  readonly stuckAfterMs?: number;
  readonly clock?: Clock;
  readonly fs?: WatchdogFs;
  readonly log?: Logger;
  /** Default process.pid. */
  readonly pid?: number;
  /** Whether a process exists (default: signal 0 succeeds, as Go's check; EPERM counts as gone there too). */
  readonly isAlive?: (pid: number) => boolean;
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the agent knows about its modems for `wwan.modem.recovery.watchdog`. */
export interface ModemWatch {
  /** The global setting `wwan.modem.recovery.watchdog`. */
  readonly enabled: boolean;
  /** Logical labels of the modems the config names (a label no longer named loses its files). */
  readonly configured: Iterable<string>;
  /** Logical labels of the configured modems that are there and healthy now: these are touched. */
  readonly present: Iterable<string>;
}

/** A label makes a file name: one with a path separator or NUL cannot (the schema refuses '/'). */
const usableLabel = (l: string) => l.length > 0 && !l.includes('/') && !l.includes('\0');

export class Watchdog {
  private readonly runDir: string;
  private readonly agent: string;
  private readonly periodMs: number;
  private readonly stuckAfterMs: number;
  private readonly clock: Clock;
  private readonly fs: WatchdogFs;
  private readonly log: Logger | undefined;
  private readonly pid: number;
  private readonly isAlive: (pid: number) => boolean;
  private lastBeat: number;
  private timer: unknown;
  private dueAt = 0;
  private running = false;
  private stuck = false;
  /** One fs operation at a time, in order: a tick and a modem update never interleave. */
  private queue: Promise<void> = Promise.resolve();
  private readonly failing = new Set<string>();
  /** Labels with files on disk (registered), and the ones to touch. */
  private readonly registered = new Set<string>();
  private present = new Set<string>();

  constructor(opts: WatchdogOptions) {
    this.runDir = opts.runDir;
    this.agent = opts.agent ?? 'wwan';
    this.periodMs = opts.periodMs ?? WATCHDOG_TOUCH_PERIOD_MS;
    this.stuckAfterMs = opts.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
    this.clock = opts.clock ?? systemClock;
    this.fs = opts.fs ?? nodeWatchdogFs;
    this.log = opts.log;
    this.pid = opts.pid ?? process.pid;
    this.isAlive = opts.isAlive ?? signalZero;
    this.lastBeat = this.clock.now();
  }

  get touchFile(): string {
    return join(this.runDir, `${this.agent}.touch`);
  }
  get pidFile(): string {
    return join(this.runDir, `${this.agent}.pid`);
  }
  modemTouchFile(label: string): string {
    return join(this.runDir, `${this.agent}-modem-${label}.touch`);
  }
  modemRegistration(label: string): string {
    return join(this.runDir, 'watchdog', 'file', `${this.agent}-modem-${label}.touch`);
  }

  /**
   * Writes the pid file, touches at once, then every period. Resolves when the first touch is done;
   * rejects, touching nothing, when another agent's pid file names a live process (the agent
   * should exit, as Go's does).
   */
  async start(): Promise<void> {
    if (this.running) return;
    await this.claimPidFile();
    this.running = true;
    this.lastBeat = this.clock.now();
    await this.enqueue(async () => {
      await this.attempt('pid', 'cannot write the pid file', () =>
        this.fs.writeFile(this.pidFile, String(this.pid)),
      );
    });
    await this.tick();
  }

  private async claimPidFile(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.fs.readFile(this.pidFile);
    } catch (err) {
      // Unreadable: Go would stop here (Fatalf); we replace it, a stale file must not keep the agent down.
      this.log?.warn({ file: this.pidFile, err: String(err) }, 'cannot read the old pid file; replacing it');
      return;
    }
    // Go's strconv.Atoi of the whole file: decimal digits, an optional sign, nothing else.
    if (text === undefined || !/^[+-]?\d{1,10}$/.test(text)) return;
    const old = Number(text);
    if (old > 0 && old !== this.pid && this.isAlive(old))
      throw new Error(`another ${this.agent} agent is running: ${this.pidFile} names live process ${old}`);
  }

  /**
   * The main loop is alive: call it from every loop iteration and from the loop's own periodic
   * tick (at least every `stuckAfterMs`, also when idle), never from a separate timer, which would
   * keep beating while the loop is stuck.
   */
  heartbeat(): void {
    this.lastBeat = this.clock.now();
    if (this.stuck) {
      this.stuck = false;
      this.log?.info({ agent: this.agent }, 'main loop is alive again: watchdog touches resume');
      // Touch now: the file may be close to the daemon's limit already.
      void this.tick();
    }
  }

  /** Applies the per-modem watchdog state (call after each config apply and modem change). */
  updateModems(watch: ModemWatch): Promise<void> {
    const configured = new Set([...watch.configured].filter(usableLabel));
    const present = watch.enabled
      ? new Set([...watch.present].filter((l) => configured.has(l)))
      : new Set<string>();
    this.present = present;
    return this.enqueue(async () => {
      for (const label of [...this.registered]) {
        if (watch.enabled && configured.has(label)) continue;
        const ok = await this.attempt(
          `modem-remove ${label}`,
          'cannot remove the modem watchdog files',
          async () => {
            // Registration first: the daemon must stop watching before its target disappears.
            await this.fs.remove(this.modemRegistration(label));
            await this.fs.remove(this.modemTouchFile(label));
          },
        );
        if (ok) this.registered.delete(label);
      }
      if (!this.healthy()) return;
      for (const label of present) await this.touchModem(label);
    });
  }

  /** Resolves when every file operation asked for so far is done. */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  /** Stops touching (files stay: a stopped agent must look stopped to EVE's watchdog). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  private healthy(): boolean {
    return this.clock.now() - this.lastBeat <= this.stuckAfterMs;
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.dueAt = this.clock.now() + this.periodMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const lag = this.clock.now() - this.dueAt;
      if (lag > LAG_WARN_MS)
        this.log?.warn({ agent: this.agent, lagMs: lag }, 'event loop was blocked: watchdog touch late');
      void this.tick();
    }, this.periodMs);
  }

  private tick(): Promise<void> {
    this.schedule();
    return this.enqueue(async () => {
      if (!this.running) return;
      if (!this.healthy()) {
        if (!this.stuck) {
          this.stuck = true;
          this.log?.error(
            { agent: this.agent, silentMs: this.clock.now() - this.lastBeat, file: this.touchFile },
            'main loop is stuck: watchdog touches stop so that EVE can recover the device',
          );
        }
        return;
      }
      const at = new Date(this.clock.now());
      await this.attempt('touch', 'cannot touch the watchdog file', () => this.fs.touch(this.touchFile, at));
      for (const label of this.present) await this.touchModem(label);
    });
  }

  /** Target first, then its registration: the daemon must never watch a file that is not there. */
  private async touchModem(label: string): Promise<void> {
    const at = new Date(this.clock.now());
    const ok = await this.attempt(`modem ${label}`, 'cannot touch the modem watchdog file', async () => {
      await this.fs.touch(this.modemTouchFile(label), at);
      if (!this.registered.has(label)) {
        await this.fs.mkdir(join(this.runDir, 'watchdog', 'file'));
        await this.fs.touch(this.modemRegistration(label), at);
      }
    });
    if (ok) this.registered.add(label);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    // attempt() catches the fs errors; this only keeps the queue going if something else throws.
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.log?.error({ agent: this.agent, err: String(err) }, 'watchdog update failed');
    });
    return this.queue;
  }

  /** Runs `work`; a failure is logged once until the same kind of work succeeds again. */
  private async attempt(kind: string, msg: string, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      if (this.failing.delete(kind))
        this.log?.info({ agent: this.agent, what: kind }, 'watchdog file written again');
      return true;
    } catch (err) {
      if (!this.failing.has(kind)) {
        this.failing.add(kind);
        this.log?.error({ agent: this.agent, what: kind, err: String(err) }, msg);
      }
      return false;
    }
  }
}
