/**
 * The reconciler's graphs as DOT next to NIM's (`/run/nim-current-state.dot`,
 * `/run/nim-intended-state.dot`, written by NIM after every reconcile): `<runDir>/wwan-current-state.dot`
 * and `<runDir>/wwan-intended-state.dot`, written after every reconcile. EVE's netdump copies NIM's
 * and zedrouter's four files by name (reference depgraph.md §4.6), so collecting ours there takes
 * their names added on EVE's side.
 *
 * The writing is the debug-file writer's (src/io/debug-files.ts): atomic (writeFileAtomic), mode
 * 0600, coalesced (only the newest graph of each kind is written, one write at a time, an
 * unchanged one not at all), never at the expense of the status files, failures logged once.
 * This module only names EVE's files; it adds no second writer.
 */
import type { ControllerState } from '../../reconciler/controller.js';
import { exportGraph, toDot } from '../../reconciler/export.js';
import { DebugFileWriter, type DebugFileWriterOptions } from '../io/debug-files.js';

export const EVE_DOT_FILES = {
  current: 'wwan-current-state.dot',
  intended: 'wwan-intended-state.dot',
} as const;

/** The two graphs of one reconcile, as DOT text (reconciler/export.ts: toDot). */
export interface GraphDots {
  /** What the agent observes (ModemManager, the kernel). */
  readonly current: string;
  /** What the config asks for. */
  readonly intended: string;
}

/** The current and the intended graph of a controller, each on its own (as NIM writes them). */
export function graphDots(st: ControllerState): GraphDots {
  const opts = { statuses: st.statuses };
  return {
    current: toDot(exportGraph(st.current, st.current, opts)),
    intended: toDot(exportGraph(st.desired, st.desired, opts)),
  };
}

export class EveDotFiles {
  private readonly writer: DebugFileWriter;

  /** `opts` as the debug-file writer takes them (statusFirst: the status writer, to give way to it). */
  constructor(runDir: string, opts: Omit<DebugFileWriterOptions, 'files'> = {}) {
    // Owned from the start: files of a previous run are freed too when the status needs room.
    this.writer = new DebugFileWriter(runDir, { ...opts, files: Object.values(EVE_DOT_FILES) });
  }

  get dir(): string {
    return this.writer.dir;
  }

  /** Asks for both files to hold these graphs; a newer call before they are written replaces them. */
  write(dots: GraphDots): void {
    this.writer.write(EVE_DOT_FILES.current, dots.current);
    this.writer.write(EVE_DOT_FILES.intended, dots.intended);
  }

  /** Resolves when every write asked for has had its attempt. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Frees the space of both files (for the status files; see DebugFileWriter.makeRoom). */
  makeRoom(): Promise<void> {
    return this.writer.makeRoom();
  }

  /** Stops writing (at shutdown); what is not written yet is dropped. */
  close(): void {
    this.writer.close();
  }
}
