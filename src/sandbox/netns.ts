/**
 * Throw-away network namespaces with tun devices, for the tests, the benches and the demo (needs root
 * and iproute2). Harness code: the agent itself spawns no `ip`.
 *
 * `withNetns({tuns: ['wwan0']}, async (ns) => ...)` creates a uniquely named namespace, creates the tun
 * devices inside it and holds them open (so they have carrier, like a connected modem's raw-IP
 * interface; the kernel here has no `dummy` link type), runs the function, and always cleans up:
 * the holder is stopped and reaped, the namespace deleted.
 *
 * How code gets into the namespace: Node cannot setns(2) itself, and a netlink socket belongs to the
 * namespace of the process that opened it. So the code under test runs in a child process started
 * with `ip netns exec NAME node --import tsx SCRIPT` ({@link Netns.runNode}); the child reports on
 * stdout/stderr and its exit code. Kernel state is read independently with `ip -n NAME -j ...`.
 *
 * The tun holder is a small Python program (standard library only; python3 is a CI package) that
 * exits when its stdin closes, so it cannot outlive a test process that dies.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const TUN_HOLDER = `
import fcntl, os, select, struct, sys
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
fds = []
for name in sys.argv[1:]:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    fds.append(fd)
sys.stdout.write("ready\\n"); sys.stdout.flush()
while True:
    r, _, _ = select.select([0] + fds, [], [])
    for fd in r:
        if fd == 0:
            if not os.read(0, 4096):
                sys.exit(0)
        else:
            try:
                os.read(fd, 65536)  # discard what the stack sends into the device
            except OSError:
                pass
`;

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace and returns its stdout (throws on non-zero exit). */
  exec(cmd: string, args: readonly string[]): string;
  /** `ip -j ARGS` in the namespace, parsed. */
  ipJson<T = unknown>(args: readonly string[]): T;
  /** `ip ARGS` in the namespace (throws on failure). */
  ip(args: readonly string[]): void;
  /** Adds and holds more tun devices (carrier up, admin down until set up). */
  addTuns(names: readonly string[]): Promise<void>;
  /**
   * Runs `node --import tsx script ...args` inside the namespace, from the repository root (a relative
   * script path is relative to it); never throws on exit status.
   */
  runNode(
    script: string,
    args?: readonly string[],
    opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv },
  ): Promise<RunResult>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** The repository root: children run from there so `--import tsx` and relative scripts resolve. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function uniqueName(): string {
  return `mmt-${process.pid}-${randomBytes(3).toString('hex')}`;
}

async function startHolder(ns: string, tuns: readonly string[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', TUN_HOLDER, ...tuns], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tun holder exited (${code}): ${err.trim()}`)));
    child.once('error', reject);
  });
  await ready;
  return child;
}

async function stopHolder(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end(); // the holder exits on EOF
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(t);
}

function runIn(ns: string, cmd: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function withNetns<T>(
  opts: { tuns?: readonly string[] },
  fn: (ns: Netns) => Promise<T>,
): Promise<T> {
  const name = uniqueName();
  execFileSync('ip', ['netns', 'add', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const holders: ChildProcess[] = [];
  const children = new Set<ChildProcess>();
  try {
    runIn(name, 'ip', ['link', 'set', 'lo', 'up']);
    const ns: Netns = {
      name,
      exec: (cmd, args) => runIn(name, cmd, args),
      ipJson: <R>(args: readonly string[]) => JSON.parse(runIn(name, 'ip', ['-j', ...args]) || 'null') as R,
      ip: (args) => {
        runIn(name, 'ip', args);
      },
      addTuns: async (names) => {
        if (names.length > 0) holders.push(await startHolder(name, names));
      },
      runNode: (script, args = [], ro = {}) =>
        new Promise<RunResult>((resolve, reject) => {
          const child = spawn(
            'ip',
            ['netns', 'exec', name, process.execPath, '--import', 'tsx', script, ...args],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
              cwd: REPO_ROOT,
              env: { ...process.env, ...ro.env },
            },
          );
          children.add(child);
          let stdout = '';
          let stderr = '';
          child.stdout?.on('data', (d: Buffer) => {
            stdout += d.toString();
          });
          child.stderr?.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          const timer = setTimeout(() => child.kill('SIGKILL'), ro.timeoutMs ?? DEFAULT_TIMEOUT_MS);
          child.once('error', reject);
          child.once('close', (code, signal) => {
            clearTimeout(timer);
            children.delete(child);
            resolve({ code, signal, stdout, stderr });
          });
        }),
    };
    await ns.addTuns(opts.tuns ?? []);
    return await fn(ns);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    for (const h of holders) await stopHolder(h).catch(() => undefined);
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // Already gone: nothing to clean.
    }
  }
}
