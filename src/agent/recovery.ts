/**
 * Soft recovery of modems that vanished (reference eve-mmagent.md §4.15), decided here and done by
 * src/recovery: a configured modem seen at least once and gone for `missingForMs` (default 2 min)
 * gets, at most once per disappearance and only with its global settings on, a ModemManager restart
 * (`wwan.modem.recovery.restart.modemmanager`) and a driver rebind of its last known device
 * (`wwan.modem.recovery.reload.drivers`). ModemManager not answering (calls timing out three times in
 * a row, see ModemManagerClient 'unresponsive') gets the restart too, once per streak.
 *
 * Timers are on the agent's clock; nothing here blocks the reconcile loop (actions run in the
 * background, one at a time) and nothing throws into the agent: results are logged.
 */
import type { Clock } from '../../reconciler/api.js';
import type { Logger } from '../../reconciler/controller.js';
import type { DeviceAddress, RebindResult, RestartResult } from '../recovery/index.js';
import { recoveryDue } from '../recovery/index.js';

/** What recovery does; run.ts wires src/recovery (real sysfs, /proc, the MM pid from D-Bus). */
export interface RecoveryActions {
  rebind(dev: DeviceAddress): Promise<RebindResult>;
  restartModemManager(): Promise<RestartResult>;
}

export interface RecoverySettingsNow {
  readonly reloadDrivers: boolean;
  readonly restartModemManager: boolean;
  readonly missingForMs: number;
}

/** One configured modem as the last refresh saw it. */
export interface ModemPresence {
  readonly name: string;
  /** Its device while present (ModemManager's Device sysfs path and the config's USB/PCI address). */
  readonly device?: DeviceAddress;
}

interface Missing {
  readonly since: number;
  readonly device: DeviceAddress;
  recovered: boolean;
}

export class ModemRecovery {
  /** Last known device of each configured modem seen present. */
  private readonly devices = new Map<string, DeviceAddress>();
  private readonly missing = new Map<string, Missing>();
  private timer: unknown;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly opts: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly actions: RecoveryActions;
      readonly settings: () => RecoverySettingsNow;
    },
  ) {}

  /** After each refresh: the configured modems, with `device` when present. */
  update(modems: readonly ModemPresence[]): void {
    const now = this.opts.clock.now();
    const configured = new Set(modems.map((m) => m.name));
    for (const name of [...this.devices.keys()]) if (!configured.has(name)) this.devices.delete(name);
    for (const name of [...this.missing.keys()]) if (!configured.has(name)) this.missing.delete(name);
    for (const m of modems) {
      if (m.device) {
        this.devices.set(m.name, m.device);
        if (this.missing.delete(m.name)) this.opts.logger.info({ modem: m.name }, 'missing modem is back');
        continue;
      }
      const device = this.devices.get(m.name);
      // Never seen: nothing to recover (and nothing known to rebind).
      if (!device || this.missing.has(m.name)) continue;
      this.missing.set(m.name, { since: now, device, recovered: false });
    }
    this.schedule();
  }

  /** ModemManager stopped answering (its calls time out): restart it, if that is allowed. */
  unresponsive(timeouts: number): void {
    if (!this.opts.settings().restartModemManager) {
      this.opts.logger.warn(
        { timeouts },
        'ModemManager is not answering; restarting it is off (wwan.modem.recovery.restart.modemmanager)',
      );
      return;
    }
    this.opts.logger.warn({ timeouts }, 'ModemManager is not answering: restarting it');
    this.enqueue(() => this.restart('not answering'));
  }

  /** The settings changed: a recovery may be due now, or not any more. */
  settingsChanged(): void {
    this.schedule();
  }

  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.opts.clock.now();
    const s = this.opts.settings();
    let next = Number.POSITIVE_INFINITY;
    for (const [name, m] of this.missing) {
      const d = recoveryDue({ missingSince: m.since, recoveredThisDisappearance: m.recovered }, now, {
        reloadDrivers: s.reloadDrivers,
        restartModemManager: s.restartModemManager,
        missingForMs: s.missingForMs,
      });
      if (d.due) {
        m.recovered = true;
        this.opts.logger.warn(
          {
            modem: name,
            missingForMs: now - m.since,
            reloadDrivers: d.reloadDrivers,
            restartModemManager: d.restartModemManager,
          },
          'modem missing: soft recovery',
        );
        this.enqueue(async () => {
          if (d.restartModemManager) await this.restart(`modem ${name} missing`);
          if (d.reloadDrivers) await this.rebind(name, m.device);
        });
      } else if (d.dueAt !== undefined) {
        next = Math.min(next, d.dueAt);
      }
    }
    if (Number.isFinite(next))
      this.timer = this.opts.clock.setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, next - now);
  }

  private async restart(why: string): Promise<void> {
    const r = await this.opts.actions.restartModemManager();
    if (r.ok) this.opts.logger.warn({ why, pid: r.pid }, 'ModemManager signalled to restart (SIGTERM)');
    else this.opts.logger.error({ why, reason: r.reason, err: r.error }, 'cannot restart ModemManager');
  }

  private async rebind(name: string, device: DeviceAddress): Promise<void> {
    const r = await this.opts.actions.rebind(device);
    if (r.ok)
      this.opts.logger.warn(
        { modem: name, bus: r.bus, address: r.address, driver: r.driver },
        'modem device rebound',
      );
    else
      this.opts.logger.error(
        { modem: name, reason: r.reason, err: r.error },
        'cannot rebind the modem device',
      );
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.opts.logger.error({ err }, 'soft recovery failed');
    });
  }
}
