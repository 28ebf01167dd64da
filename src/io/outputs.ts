/**
 * The agent's published state: WwanStatus.json, WwanMetrics.json and WwanLocationInfo.json in one
 * directory, each replaced atomically (readers see the old or the new file, never a part) in Go's
 * json.Marshal form, and only when its bytes change, so that consumers watching the files are not
 * woken for nothing.
 *
 * Each value is validated against its schema before writing. A violation is a bug in the agent,
 * not bad input, and the file is still written, with an error log naming every failing path:
 * withholding the whole status would hide everything that is right in it (connection state,
 * ConfigError, ...) from the controller for one wrong corner, and a Go reader that cannot decode
 * a field drops the update, which is no worse than not writing it.
 *
 * Writes to one file are serialized in call order; a failed write is logged, reported as 'failed',
 * and the next write of that file tries again. Nothing here throws.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../reconciler/controller.js';
import type { WwanLocationInfo, WwanMetrics, WwanStatus } from '../schemas/types.generated.js';
import {
  type Validation,
  validateWwanLocation,
  validateWwanMetrics,
  validateWwanStatus,
} from '../schemas/validate.js';
import { writeFileAtomic } from './atomic-write.js';
import { marshalGoJson } from './go-json.js';

export type WriteOutcome = 'written' | 'unchanged' | 'failed';

export const OUTPUT_FILES = {
  status: 'WwanStatus.json',
  metrics: 'WwanMetrics.json',
  location: 'WwanLocationInfo.json',
} as const;

interface Slot {
  /** Bytes last written, or found on disk at the first write; undefined: unknown, write. */
  last: string | undefined;
  /** Whether the file on disk has been compared yet (a previous run may have left the same bytes). */
  loaded: boolean;
  queue: Promise<unknown>;
}

export class OutputWriter {
  private readonly slots = new Map<string, Slot>();

  constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {}

  writeStatus(status: WwanStatus): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.status, status, validateWwanStatus);
  }

  writeMetrics(metrics: WwanMetrics): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.metrics, metrics, validateWwanMetrics);
  }

  writeLocation(location: WwanLocationInfo): Promise<WriteOutcome> {
    return this.write(OUTPUT_FILES.location, location, validateWwanLocation);
  }

  /** Resolves when every write requested so far has finished (for a clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.queue));
  }

  private write<T>(
    name: string,
    value: T,
    validate: (v: unknown) => Validation<unknown>,
  ): Promise<WriteOutcome> {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { last: undefined, loaded: false, queue: Promise.resolve() };
      this.slots.set(name, slot);
    }
    const s = slot;
    const path = join(this.dir, name);
    // Serialize now, not when the queue reaches us: the caller may mutate its object afterwards.
    let text: string;
    try {
      const v = validate(value);
      if (!v.ok)
        this.log?.error(
          { file: name, errors: v.errors },
          'output violates its schema (a bug); writing it anyway',
        );
      text = marshalGoJson(value);
    } catch (e) {
      this.log?.error({ file: name, err: e }, 'output cannot be serialized');
      return Promise.resolve('failed');
    }
    const run = async (): Promise<WriteOutcome> => {
      if (!s.loaded) {
        s.loaded = true;
        s.last = await readFile(path, 'utf8').catch(() => undefined);
      }
      if (s.last === text) return 'unchanged';
      try {
        await writeFileAtomic(path, text);
        s.last = text;
        return 'written';
      } catch (e) {
        this.log?.error({ file: path, err: e }, 'writing output failed; will retry on the next change');
        s.last = undefined;
        return 'failed';
      }
    };
    const result = s.queue.then(run, run);
    s.queue = result;
    return result;
  }
}
