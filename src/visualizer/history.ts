/**
 * The bounded timeline of reconciles the visualizer steps back through: one entry per finished run
 * (its trigger, steps, results, duration and the whole graph export as it was then). Bounded twice:
 * at most `maxEntries` entries and at most `maxBytes` of their JSON (a 10,000-item graph is a few MB),
 * the oldest dropped first; the newest entry is always kept.
 */
import { describeStep, type RunRecord } from '../../reconciler/controller.js';
import type { GraphExport } from '../../reconciler/export.js';
import type { HistoryEntry } from './page/boot.js';

/** The shape is the page's (page/boot.ts): one definition for both sides. */
export type { HistoryEntry };

/** The entry of one finished run, with the graph as the run left it. */
export function historyEntry(r: RunRecord, graph: GraphExport): HistoryEntry {
  return {
    id: r.id,
    at: new Date(r.endedAt).toISOString(),
    reasons: r.reasons,
    durationMs: r.endedAt - r.startedAt,
    steps: r.plan.steps.map(describeStep),
    failed: r.failed,
    graph,
  };
}

export const DEFAULT_HISTORY_ENTRIES = 50;
export const DEFAULT_HISTORY_BYTES = 16 * 1024 * 1024;

export class RunHistory {
  private readonly entries: { entry: HistoryEntry; json: string }[] = [];
  private bytes = 0;

  constructor(
    readonly maxEntries = DEFAULT_HISTORY_ENTRIES,
    readonly maxBytes = DEFAULT_HISTORY_BYTES,
  ) {}

  /** Adds an entry; returns its JSON (what the live page is sent). */
  add(entry: HistoryEntry): string {
    const json = JSON.stringify(entry);
    this.entries.push({ entry, json });
    this.bytes += json.length;
    while (this.entries.length > 1 && (this.entries.length > this.maxEntries || this.bytes > this.maxBytes)) {
      const old = this.entries.shift();
      if (old) this.bytes -= old.json.length;
    }
    return json;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Characters of JSON held (the memory bound). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** `/history.json`: `{maxEntries, maxBytes, entries}`, oldest first. */
  toJson(): string {
    return `{"maxEntries":${this.maxEntries},"maxBytes":${this.maxBytes},"entries":[${this.entries.map((e) => e.json).join(',')}]}`;
  }
}
