/**
 * The demo's visualizer address on this machine's loopback, open before anything else starts (so
 * its URL is printed first). Connections wait until the agent's visualizer is up, then go to it:
 * directly on loopback, or, when the agent runs in the demo's network namespace (whose loopback is
 * its own), through a unix socket served by a bridge inside the namespace (ns-bridge.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { nodeArgs } from './node-entry.js';

export type Backend = { readonly port: number } | { readonly path: string };

export class VisualizerProxy {
  readonly #sockets = new Set<Socket>();
  #backend: Backend | undefined;
  readonly #waiting: Socket[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1, on `port` (0: any free port). */
  static async listen(port = 0): Promise<VisualizerProxy> {
    let proxy: VisualizerProxy | undefined;
    const server = createServer((s) => proxy?.accept(s));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    proxy = new VisualizerProxy(server, `http://127.0.0.1:${bound}/`);
    return proxy;
  }

  /** From now on, connections go to `backend` (those waiting included). */
  connectTo(backend: Backend): void {
    this.#backend = backend;
    for (const s of this.#waiting.splice(0)) this.forward(s, backend);
  }

  /** Stops listening and ends every connection (the page's event stream included). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  private accept(s: Socket): void {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
    if (this.#backend) this.forward(s, this.#backend);
    else {
      s.pause();
      this.#waiting.push(s);
    }
  }

  private forward(s: Socket, backend: Backend): void {
    const up =
      'port' in backend ? createConnection(backend.port, '127.0.0.1') : createConnection(backend.path);
    this.#sockets.add(up);
    up.once('close', () => this.#sockets.delete(up));
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    s.pipe(up).pipe(s);
    s.resume();
  }
}

/** The bridge inside namespace `netns` from unix socket `path` to the agent's `port`. */
export async function startNsBridge(netns: string, path: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, ...nodeArgs('demo/ns-bridge'), path, String(port)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the visualizer bridge exited (${code}): ${err.trim()}`)));
    child.once('error', reject);
  });
  child.removeAllListeners('exit');
  return child;
}
