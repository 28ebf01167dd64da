/**
 * The real ModemManager 1.20 as a test backend: a TypeScript port of the team kit's run.sh
 * (../shared/real-mm; the pieces it runs are copied into ./real-mm/).
 *
 * Every service is a child of the test process, started in this order and stopped in reverse:
 *   dbus-daemon (private system-like bus with the packaged MM/polkit policies)
 *   polkitd     (ModemManager asks it before Enable/Connect/ReportKernelEvent; root is allowed)
 *   atsim       (real-mm/atsim.cjs: the AT simulator of an Option HSO modem, on WORKDIR/atsim.sock)
 *   ptybridge   (real-mm/ptybridge.py: a pty at WORKDIR/ttyHS0 relayed to the simulator)
 *   ModemManager, via `unshare --mount` + real-mm/mm-in-ns.sh: private /dev and a fake /sys, so
 *               it sees a USB modem with ports ttyHS0 (AT) and wwan0 (net); runs --test-no-udev,
 *               so hotplug is reported with `mmcli --report-kernel-event` (what udev would say).
 * Processes are tracked by their ChildProcess handle, never looked up by name.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BackendFactory, KIT_EXPECT, type MMBackend } from './backend.js';

const execFileP = promisify(execFile);
const KIT = join(dirname(fileURLToPath(import.meta.url)), 'real-mm');
const POLKITD_CANDIDATES = [
  '/usr/lib/polkit-1/polkitd',
  '/usr/libexec/polkitd',
  '/usr/lib/policykit-1/polkitd',
];

/** What the simulated modem of the kit answers (fixed, see real-mm/atsim.cjs). */
export const REAL_MM_EXPECT = KIT_EXPECT;

export interface RealMMOptions {
  /** MM_LOG_LEVEL for mm-in-ns.sh: DEBUG (default), INFO, WARN, ERR. */
  readonly mmLogLevel?: string;
  /** Extra environment for the AT simulator (ATSIM_IPV4, ATSIM_FAIL_CONNECT, ATSIM_PIN, ...). */
  readonly atsimEnv?: Readonly<Record<string, string>>;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  // last resort if a test forgot stop(): never leave daemons behind the test process
  for (const c of alive) c.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`real-mm: timeout (${timeoutMs} ms) waiting for ${what}`);
    await sleep(50);
  }
}

function isCharDevice(p: string): boolean {
  try {
    return statSync(p).isCharacterDevice();
  } catch {
    return false;
  }
}

/** One supervised child: output to WORKDIR/NAME.log, stopped with TERM then KILL. */
class Service {
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    alive.add(child);
    this.exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    }).then(() => {
      alive.delete(child);
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export class RealModemManager implements MMBackend {
  readonly name = 'real-mm';
  readonly expect = REAL_MM_EXPECT;
  readonly busAddress: string;
  private readonly services: Service[] = [];
  private mm: Service | undefined;
  private stopped = false;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly workdir: string,
    private readonly opts: RealMMOptions,
  ) {
    this.busAddress = `unix:path=${workdir}/system_bus_socket`;
    this.env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: this.busAddress };
  }

  /** Starts the whole kit (about 3 s); on failure everything started is stopped again. */
  static async start(opts: RealMMOptions = {}): Promise<RealModemManager> {
    const workdir = await mkdtemp(join(tmpdir(), 'rmm-'));
    // polkitd runs as user polkitd and must reach the bus socket; mkdtemp makes the dir 0700
    await chmod(workdir, 0o755);
    if (workdir.length + 20 > 107)
      throw new Error(`real-mm: workdir path too long for a unix socket: ${workdir}`);
    const kit = new RealModemManager(workdir, opts);
    try {
      await kit.boot();
    } catch (e) {
      await kit.stop();
      const mmLog = await readFile(join(workdir, 'mm.log'), 'utf8').catch(() => '');
      throw new Error(
        `${(e as Error).message}\n--- tail of ${workdir}/mm.log ---\n${mmLog.split('\n').slice(-30).join('\n')}`,
      );
    }
    return kit;
  }

  private spawnService(
    name: string,
    cmd: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = this.env,
  ): Service {
    const fd = openSync(join(this.workdir, `${name}.log`), 'a');
    try {
      const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
      child.on('error', () => undefined); // reported through 'exit'
      const s = new Service(name, child);
      this.services.push(s);
      return s;
    } finally {
      closeSync(fd);
    }
  }

  private async boot(): Promise<void> {
    const w = this.workdir;
    const conf = (await readFile(join(KIT, 'bus.conf.in'), 'utf8')).replaceAll(
      '@SOCKET@',
      `${w}/system_bus_socket`,
    );
    await writeFile(join(w, 'bus.conf'), conf);
    const bus = this.spawnService('dbus', 'dbus-daemon', [
      `--config-file=${w}/bus.conf`,
      '--nofork',
      '--nopidfile',
    ]);
    await this.waitFor('the bus socket', 10_000, bus, () => this.busAnswers());

    const polkitd = POLKITD_CANDIDATES.find((p) => existsSync(p));
    if (!polkitd) throw new Error('real-mm: polkitd not found (apt-get install polkitd)');
    const pk = this.spawnService('polkitd', polkitd, ['--no-debug']);
    await this.waitFor('org.freedesktop.PolicyKit1', 10_000, pk, () =>
      this.hasOwner('org.freedesktop.PolicyKit1'),
    );

    await execFileP(join(KIT, 'make-fakesys.sh'), [w]);
    const atsim = this.spawnService('atsim', process.execPath, [join(KIT, 'atsim.cjs'), w], {
      ...this.env,
      ...this.opts.atsimEnv,
    });
    await this.waitFor('the simulator socket', 10_000, atsim, () => existsSync(join(w, 'atsim.sock')));
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const bridge = this.spawnService('ptybridge', python, [join(KIT, 'ptybridge.py'), w]);
    await this.waitFor('the pty link', 10_000, bridge, () => isCharDevice(join(w, 'ttyHS0')));

    await this.startModemManager();
  }

  private async waitFor(what: string, ms: number, svc: Service, check: () => Promise<boolean> | boolean) {
    await until(what, ms, async () => {
      if (!svc.running)
        throw new Error(`real-mm: ${svc.name} exited while waiting for ${what} (see ${this.workdir})`);
      return check();
    });
  }

  private async busAnswers(): Promise<boolean> {
    try {
      await execFileP(
        'dbus-send',
        [
          '--system',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.GetId',
        ],
        { env: this.env },
      );
      return true;
    } catch {
      return false;
    }
  }

  private async hasOwner(name: string): Promise<boolean> {
    try {
      const { stdout } = await execFileP(
        'dbus-send',
        [
          '--system',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.NameHasOwner',
          `string:${name}`,
        ],
        { env: this.env },
      );
      return stdout.includes('boolean true');
    } catch {
      return false;
    }
  }

  private async modemListed(): Promise<boolean> {
    try {
      const { stdout } = await execFileP('mmcli', ['-L'], { env: this.env });
      return stdout.includes('/org/freedesktop/ModemManager1/Modem/');
    } catch {
      return false;
    }
  }

  private async kernelEvents(action: 'add' | 'remove'): Promise<void> {
    const events =
      action === 'add'
        ? ['action=add,name=ttyHS0,subsystem=tty', 'action=add,name=wwan0,subsystem=net']
        : ['action=remove,name=wwan0,subsystem=net', 'action=remove,name=ttyHS0,subsystem=tty'];
    for (const ev of events) await execFileP('mmcli', [`--report-kernel-event=${ev}`], { env: this.env });
  }

  /** Starts ModemManager in its namespace, reports the ports, waits until the modem is listed. */
  async startModemManager(): Promise<void> {
    if (this.mm?.running) throw new Error('real-mm: ModemManager already running');
    const mm = this.spawnService(
      'mm',
      'unshare',
      ['--mount', '--propagation', 'private', join(KIT, 'mm-in-ns.sh'), this.workdir],
      {
        ...this.env,
        MM_LOG_LEVEL: this.opts.mmLogLevel ?? 'DEBUG',
      },
    );
    this.mm = mm;
    await this.waitFor('ModemManager on the bus', 15_000, mm, () =>
      this.hasOwner('org.freedesktop.ModemManager1'),
    );
    await this.kernelEvents('add');
    await this.waitFor('the modem to be listed', 20_000, mm, () => this.modemListed());
  }

  /** Stops ModemManager (its bus name is released when it exits). */
  async stopModemManager(): Promise<void> {
    const mm = this.mm;
    this.mm = undefined;
    if (!mm) return;
    await mm.stop();
    this.services.splice(this.services.indexOf(mm), 1);
  }

  async restartModemManager(): Promise<void> {
    await this.stopModemManager();
    // the modem keeps running without its host; power-cycle it so MM finds it fresh, as after a reboot
    await this.ctl('reset');
    await this.startModemManager();
  }

  async unplug(): Promise<void> {
    await this.kernelEvents('remove');
    await until('the modem to disappear', 10_000, async () => !(await this.modemListed()));
    await this.ctl('reset');
  }

  async replug(): Promise<void> {
    await this.kernelEvents('add');
    await until('the modem to come back', 20_000, () => this.modemListed());
  }

  async dropBearer(): Promise<void> {
    await this.ctl('drop');
  }

  async failNextConnect(): Promise<string> {
    await this.ctl('fail-connect 1');
    // what ModemManager's hso plugin reports for a failed _OWANCALL
    return 'org.freedesktop.ModemManager1.Error.Core.Failed';
  }

  /** Sends one control command to the AT simulator and waits (5 s) for its `ok` reply. */
  async ctl(command: string): Promise<string> {
    const ctlFile = join(this.workdir, 'atsim.ctl');
    const ackFile = join(this.workdir, 'atsim.ack');
    const before = await readFile(ctlFile, 'utf8').catch(() => '');
    const n = before.split('\n').filter((l) => l !== '').length + 1;
    await appendFile(ctlFile, `${command}\n`);
    let reply = '';
    await until(`simulator reply to "${command}"`, 5_000, async () => {
      const acks = await readFile(ackFile, 'utf8').catch(() => '');
      const line = acks.split('\n').find((l) => l.startsWith(`${n} `));
      if (line) reply = line.slice(`${n} `.length);
      return line !== undefined;
    });
    if (!reply.startsWith('ok')) throw new Error(`real-mm: simulator refused "${command}": ${reply}`);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.mm = undefined;
    for (const s of [...this.services].reverse()) {
      await s.stop().catch(() => undefined);
    }
    this.services.length = 0;
  }
}

export const realModemManagerBackend: BackendFactory = {
  name: 'real-mm',
  needs: {
    root: true,
    commands: ['dbus-daemon', 'dbus-send', 'ModemManager', 'mmcli', 'unshare', 'python3'],
  },
  start: () => RealModemManager.start({ mmLogLevel: process.env.MM_LOG_LEVEL ?? 'DEBUG' }),
};
