/**
 * peer.py driven from a test: a Python SEQPACKET publisher or subscriber (see peer.py), with its
 * output lines collected. Shared by the transport interop test and the agent's pubsub e2e.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { until } from '../../test/pubsub/helpers.js';

const PEER = new URL('./peer.py', import.meta.url).pathname;

export class Peer {
  readonly lines: string[] = [];
  private readonly proc: ChildProcess;
  exited = false;

  constructor(args: string[]) {
    this.proc = spawn('python3', [PEER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc.on('exit', () => {
      this.exited = true;
    });
    if (this.proc.stdout) createInterface({ input: this.proc.stdout }).on('line', (l) => this.lines.push(l));
  }

  /** Frames received (sub mode), as text. */
  frames(): string[] {
    return this.lines
      .filter((l) => l.startsWith('frame '))
      .map((l) => Buffer.from(l.slice(6), 'hex').toString());
  }

  decoded(): unknown[] {
    return this.lines.filter((l) => l.startsWith('decoded ')).map((l) => JSON.parse(l.slice(8)));
  }

  async command(cmd: Record<string, unknown>): Promise<void> {
    const before = this.lines.filter((l) => l === 'ok').length;
    this.proc.stdin?.write(`${JSON.stringify(cmd)}\n`);
    await until(() => this.lines.filter((l) => l === 'ok').length > before, `peer ack of ${String(cmd.op)}`);
  }

  /** Publisher mode: sets `key` to the JSON text of `value`. */
  set(key: string, value: unknown): Promise<void> {
    return this.command({ op: 'set', key, json: JSON.stringify(value) });
  }

  /** Subscriber mode: the last value received for `key` (undefined: none, or deleted). */
  latest(key: string): unknown {
    let v: unknown;
    for (const d of this.decoded() as { update?: string; delete?: string; value?: unknown }[]) {
      if (d.update === key) v = d.value;
      if (d.delete === key) v = undefined;
    }
    return v;
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await until(() => this.exited, 'peer exit');
  }
}
