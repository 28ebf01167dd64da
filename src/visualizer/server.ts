/**
 * The visualizer's HTTP side (`mmagent run --http [HOST:]PORT`): read-only, on Node's `http`.
 * `/` the page, `/graph.json` the current graph export, `/history.json` the bounded timeline,
 * `/events` server-sent events, one `run` event per reconcile as it finishes (no polling). Every
 * method other than GET and HEAD gets 405; nothing here changes anything in the agent. Loopback by
 * default: another host must be given explicitly, and the caller logs that as a warning.
 *
 * Specs in the export hold no secrets (credentials and PINs are keyed digests), so the responses
 * carry none either.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../reconciler/controller.js';
import type { GraphExport } from '../../reconciler/export.js';
import type { RunHistory } from './history.js';

export const DEFAULT_HTTP_HOST = '127.0.0.1';

/** `[HOST:]PORT` → host and port, or why not. `[::1]:8080` for IPv6. */
export function parseListen(v: string): { host: string; port: number } | { error: string } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(v);
  if (!m) return { error: 'must be PORT or HOST:PORT' };
  const port = Number(m[2]);
  if (port > 65535) return { error: 'port must be 0..65535' };
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : DEFAULT_HTTP_HOST;
  return { host, port };
}

export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

export interface VisualizerSource {
  graph(): GraphExport;
  readonly history: RunHistory;
  page(): Promise<string>;
}

export class VisualizerServer {
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();

  constructor(
    private readonly source: VisualizerSource,
    private readonly log: Logger,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'visualizer request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
  }

  /** Listens; resolves with the address actually bound (port 0: one chosen by the kernel). */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Sends one finished run (its history entry's JSON) to every `/events` client. */
  broadcast(entryJson: string): void {
    const frame = `event: run\ndata: ${entryJson}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  get eventClients(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('read-only: GET only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string) => {
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/':
        send('text/html; charset=utf-8', await this.source.page());
        return;
      case '/graph.json':
        send('application/json', JSON.stringify(this.source.graph()));
        return;
      case '/history.json':
        send('application/json', this.source.history.toJson());
        return;
      case '/events':
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': mmagent reconcile events\n\n');
        this.clients.add(res);
        req.on('close', () => this.clients.delete(res));
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
    }
  }
}
