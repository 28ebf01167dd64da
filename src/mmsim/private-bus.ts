/**
 * A private dbus-daemon (tests and the demo): system-bus-like policy, listening on a unix socket in a fresh
 * temporary directory, never the machine's own bus. The daemon is a child of the test process and is
 * killed and reaped by `stop()` (and on process exit as a last resort).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateBus {
  /** D-Bus address, e.g. `unix:path=/tmp/mmtest-XXXX/bus`; use as DBUS_SYSTEM_BUS_ADDRESS. */
  readonly address: string;
  readonly dir: string;
  /** The daemon's process id (a new one after `restart()`). */
  readonly pid: number;
  stop(): Promise<void>;
  /**
   * Stops the daemon (SIGTERM) and starts a new one on the same address after `downtimeMs`: every
   * client loses its connection, names and match rules, as when the system bus restarts.
   */
  restart(opts?: { downtimeMs?: number }): Promise<void>;
}

export interface PrivateBusOptions {
  /**
   * The daemon's `reply_timeout` limit: a method call still unanswered after this long gets
   * `org.freedesktop.DBus.Error.NoReply` from the daemon. Default 300 000 ms.
   */
  readonly replyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function busConfig(socket: string, replyTimeoutMs: number): string {
  // Everyone may own any name and send anything: the tests exercise our code, not bus policy
  // (the real-ModemManager kit keeps the real system policy).
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="reply_timeout">${replyTimeoutMs}</limit>
</busconfig>
`;
}

/** Starts a private dbus-daemon; resolves once it accepts connections. */
export async function startPrivateBus(opts: PrivateBusOptions = {}): Promise<PrivateBus> {
  const dir = await mkdtemp(join(tmpdir(), 'mmtest-bus-'));
  const socket = join(dir, 'bus');
  const conf = join(dir, 'bus.conf');
  await writeFile(conf, busConfig(socket, opts.replyTimeoutMs ?? 300_000));
  let daemon = await spawnDaemon(conf);
  const kill = async () => {
    const { child, exited } = daemon;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    running.delete(child);
  };
  return {
    address: daemon.address,
    dir,
    get pid() {
      return daemon.child.pid ?? -1;
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
    async restart(o = {}) {
      await kill();
      if (o.downtimeMs) await new Promise((r) => setTimeout(r, o.downtimeMs));
      const again = await spawnDaemon(conf);
      // The same socket; a new daemon has a new guid (clients that pin the old guid would refuse it).
      const socketOf = (a: string) => a.split(',').find((p) => p.startsWith('unix:path='));
      if (socketOf(again.address) !== socketOf(daemon.address)) {
        again.child.kill('SIGKILL');
        throw new Error(`dbus-daemon came back on ${again.address}, not ${daemon.address}`);
      }
      daemon = again;
    },
  };
}

/** One dbus-daemon process on `conf`; resolves with its address once it accepts connections. */
async function spawnDaemon(
  conf: string,
): Promise<{ child: ChildProcess; address: string; exited: Promise<void> }> {
  const child = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start in 10 s: ${stderr}`)), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start dbus-daemon (is the Debian package "dbus" installed?): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${code}: ${stderr}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, address, exited };
}
