/**
 * `mmagent graph`: the graph of what applying a config would do, as `mmagent plan` sees it (live and
 * read-only, or from a snapshot), written to one file: a self-contained HTML page (the visualizer's
 * view; everything inline, it fetches nothing), DOT, or JSON (schemas/graph-export.schema.json). The
 * format comes from the file's extension or `--format`.
 */
import { extname } from 'node:path';
import { exportGraph, toDot } from '../../reconciler/export.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { modemPredicates } from '../modemitems/index.js';
import { netPredicates } from '../netitems/predicates.js';
import { offlinePageHtml } from '../visualizer/html.js';
import type { GraphCommand, GraphFormat } from './args.js';
import { type PlanHooks, preparePlan } from './plan.js';
import type { CliIo } from './validate.js';

const BY_EXTENSION: Readonly<Record<string, GraphFormat>> = {
  '.html': 'html',
  '.htm': 'html',
  '.dot': 'dot',
  '.gv': 'dot',
  '.json': 'json',
};

/** The format asked for, or why there is none. */
export function graphFormat(cmd: Pick<GraphCommand, 'output' | 'format'>): GraphFormat | { error: string } {
  if (cmd.format) return cmd.format;
  const f = BY_EXTENSION[extname(cmd.output).toLowerCase()];
  return (
    f ?? {
      error: `cannot tell the format of ${cmd.output} from its extension: name it .html, .dot or .json, or give --format`,
    }
  );
}

export async function runGraph(cmd: GraphCommand, io: CliIo, hooks: PlanHooks = {}): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`mmagent graph: ${message}\n`);
    return 1;
  };
  const format = graphFormat(cmd);
  if (typeof format !== 'string') return fail(format.error);
  const prepared = await preparePlan(cmd, (w) => io.stderr.write(`warning: ${w}\n`), hooks);
  if (!prepared.ok) return fail(prepared.message);
  const { result, source } = prepared;
  for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
  const graph = exportGraph(result.current, result.desired, {
    plan: result.plan,
    predicates: { ...modemPredicates, ...netPredicates },
  });
  const from = source.kind === 'live' ? 'the live state' : `the snapshot taken ${source.takenAt}`;
  const text =
    format === 'json'
      ? `${JSON.stringify(graph, null, 2)}\n`
      : format === 'dot'
        ? toDot(graph)
        : await offlinePageHtml(graph, { title: `mmagent graph: ${cmd.config} from ${from}` });
  try {
    await writeFileAtomic(cmd.output, text, { mode: 0o644 });
  } catch (err) {
    return fail(`cannot write ${cmd.output}: ${err instanceof Error ? err.message : String(err)}`);
  }
  io.stderr.write(
    `mmagent graph: ${result.plan.steps.length} steps from ${from}, written to ${cmd.output} (${format})\n`,
  );
  return 0;
}
