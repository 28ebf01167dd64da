/**
 * The agent of the demo: the real `mmagent run` program in a child process (inside the demo's
 * network namespace when there is one: a netlink socket belongs to the namespace of the process
 * that opens it), fed through its config file and read through its JSON log lines.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { packageRoot } from '../repo-files.js';
import { nodeArgs } from './node-entry.js';
import { until } from './wait.js';

/** One JSON log line of the agent (pino). */
export interface LogLine {
  readonly msg?: string;
  /** ISO 8601 (the agent's logger). */
  readonly time?: string;
  readonly [k: string]: unknown;
}

export interface AgentProcessOptions {
  readonly busAddress: string;
  readonly config: string;
  readonly globalConfig: string;
  readonly statusDir: string;
  readonly resolvDir: string;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

const PDEATHSIG = (() => {
  try {
    execFileSync('setpriv', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export class AgentProcess {
  readonly logs: LogLine[] = [];
  #stderr = '';
  readonly #exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (err) => {
        this.#stderr += err.message;
        resolve(null);
      });
    });
  }

  /** Starts `mmagent run` in file mode, with the visualizer on its loopback (any free port). */
  static start(o: AgentProcessOptions): AgentProcess {
    const run = [
      ...nodeArgs('cli/main'),
      'run',
      '--config',
      o.config,
      '--global-config',
      o.globalConfig,
      '--status-dir',
      o.statusDir,
      '--resolv-dir',
      o.resolvDir,
      '--log-level',
      'info',
      '--http',
      '127.0.0.1:0',
    ];
    // With setpriv (util-linux), the agent gets SIGTERM if the demo dies without stopping it.
    const node = PDEATHSIG ? ['setpriv', '--pdeathsig', 'SIGTERM', process.execPath] : [process.execPath];
    const [cmd = '', ...args] = o.netns
      ? ['ip', 'netns', 'exec', o.netns, ...node, ...run]
      : [...node, ...run];
    const child = spawn(cmd, args, {
      cwd: packageRoot(),
      env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: o.busAddress },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AgentProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The first log line at index `from` or later that `pred` accepts. */
  async waitLog(
    what: string,
    pred: (l: LogLine) => boolean,
    o: { signal: AbortSignal; from?: number; timeoutMs?: number },
  ): Promise<LogLine> {
    return until(
      what,
      () => {
        if (!this.running)
          throw new Error(`the agent exited while waiting for ${what}: ${this.#stderr.trim()}`);
        return this.logs.slice(o.from ?? 0).find(pred);
      },
      { signal: o.signal, timeoutMs: o.timeoutMs ?? 20_000 },
    );
  }

  /** Waits until no log line came for `quietMs` (the agent has nothing left to do). */
  async settle(signal: AbortSignal, quietMs = 400): Promise<void> {
    let n = -1;
    const quiet = () => {
      if (this.logs.length === n) return true;
      n = this.logs.length;
      return undefined;
    };
    await until('the agent to go quiet', quiet, { signal, everyMs: quietMs, timeoutMs: 30_000 });
  }

  /** SIGTERM (the agent stops cleanly), SIGKILL after 5 s; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      const code = await this.#exited;
      clearTimeout(t);
      return code;
    }
    return this.#exited;
  }
}
