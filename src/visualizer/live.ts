/**
 * The live visualizer of a running agent (`mmagent run --http`): every finished reconcile goes into
 * the bounded history and out to the page's `/events` listeners; `/graph.json` is the export now.
 */
import type { Logger } from '../../reconciler/controller.js';
import type { WwanAgent } from '../agent/agent.js';
import { historyEntry, RunHistory } from './history.js';
import { isLoopback, VisualizerServer } from './server.js';

export interface LiveVisualizer {
  readonly url: string;
  close(): Promise<void>;
}

/** The page while the full view is not there: links to the data endpoints. */
export async function minimalPage(): Promise<string> {
  return '<!doctype html><meta charset="utf-8"><title>mmagent graph</title><h1>mmagent graph</h1><ul><li><a href="/graph.json">/graph.json</a></li><li><a href="/history.json">/history.json</a></li><li>/events (server-sent events)</li></ul>';
}

export async function startLiveVisualizer(opts: {
  readonly agent: WwanAgent;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  readonly page?: () => Promise<string>;
  readonly history?: RunHistory;
}): Promise<LiveVisualizer> {
  const history = opts.history ?? new RunHistory();
  const server = new VisualizerServer(
    { graph: () => opts.agent.graphExport(), history, page: opts.page ?? minimalPage },
    opts.logger,
  );
  const addr = await server.listen(opts.host, opts.port);
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}/`;
  if (!isLoopback(opts.host))
    opts.logger.warn({ url }, 'visualizer listening beyond loopback: anyone who can reach it sees the graph');
  else opts.logger.info({ url }, 'visualizer listening');
  const off = opts.agent.controller.on((e) => {
    if (e.type !== 'run-finished') return;
    server.broadcast(history.add(historyEntry(e.record, opts.agent.graphExport())));
  });
  return {
    url,
    async close() {
      off();
      await server.close();
    },
  };
}
