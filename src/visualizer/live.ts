/**
 * The live visualizer of a running agent (`mmagent run --http`): every finished reconcile goes into
 * the bounded history and out to the page's `/events` listeners; `/graph.json` is the export now.
 */
import type { Logger } from '../../reconciler/controller.js';
import type { WwanAgent } from '../agent/agent.js';
import { historyEntry, RunHistory } from './history.js';
import { livePageHtml } from './html.js';
import { isLoopback, VisualizerServer } from './server.js';

export interface LiveVisualizer {
  readonly url: string;
  close(): Promise<void>;
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
    { graph: () => opts.agent.graphExport(), history, page: opts.page ?? livePageHtml },
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
