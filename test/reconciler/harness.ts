/**
 * Test helpers that make reconciler tests read like the behaviour: small item builders, a recording
 * configurator, a fake clock, and assertions such as `assertOrder(calls, 'create t/B', 'create t/A')`.
 */
import assert from 'node:assert/strict';
import {
  type Clock,
  type Configurator,
  type Dependency,
  type Item,
  item,
  type Json,
  type Logger,
  type OpContext,
  PermanentError,
  type Plan,
} from '../../reconciler/index.js';

/** A dependency on `t/<name>` (or `type/name`), optionally with a named predicate. */
export function dep(target: string, predicate?: string, args?: Json): Dependency {
  const [type, name] = target.includes('/') ? (target.split('/') as [string, string]) : ['t', target];
  return {
    ref: { type, name },
    description: `needs ${target}`,
    ...(predicate ? { predicate: args === undefined ? { name: predicate } : { name: predicate, args } } : {}),
  };
}

/** An item of type `t` named `name` with spec `spec` and dependencies on the given names. */
export function t(name: string, spec: Json = {}, ...deps: (string | Dependency)[]): Item {
  return item({ type: 't', name, spec, deps: deps.map((d) => (typeof d === 'string' ? dep(d) : d)) });
}

export function ext(name: string, spec: Json = {}): Item {
  return item({ type: 'ext', name, spec, external: true });
}

export interface RecorderOptions {
  /** Names whose create/modify/delete fail (with a plain Error), per op. */
  readonly failCreate?: Set<string>;
  readonly failModify?: Set<string>;
  readonly failDelete?: Set<string>;
  /** Names whose operations fail with a PermanentError. */
  readonly permanent?: Set<string>;
  /** Names whose operations take this many ms (real timers) or never end ('never'). */
  readonly delayMs?: Map<string, number | 'never'>;
  /** Spec fields whose change needs a recreate. */
  readonly recreateOn?: readonly string[];
}

/** A configurator that records every call as `create t/A`, `modify t/A`, `delete t/A`. */
export class Recorder {
  readonly calls: string[] = [];
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  constructor(public opts: RecorderOptions = {}) {}

  private run(op: string, it: Item, ctx: OpContext): void | Promise<void> {
    const what = `${op} ${it.type}/${it.name}`;
    this.started.push(what);
    const fail = () => {
      if (this.opts.permanent?.has(it.name)) throw new PermanentError(`${what} failed permanently`);
      const set =
        op === 'create'
          ? this.opts.failCreate
          : op === 'modify'
            ? this.opts.failModify
            : this.opts.failDelete;
      if (set?.has(it.name)) throw new Error(`${what} failed`);
    };
    const delay = this.opts.delayMs?.get(it.name);
    if (delay === undefined) {
      fail();
      this.calls.push(what);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.aborted.push(what);
        reject(ctx.signal.reason);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (delay === 'never') return;
      setTimeout(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        try {
          fail();
          this.calls.push(what);
          resolve();
        } catch (e) {
          reject(e);
        }
      }, delay);
    });
  }

  configurator(): Configurator {
    return {
      create: (it, ctx) => this.run('create', it, ctx),
      modify: (_old, it, ctx) => this.run('modify', it, ctx),
      delete: (it, ctx) => this.run('delete', it, ctx),
      needsRecreate: (o, n) => {
        for (const f of this.opts.recreateOn ?? []) {
          const a = (o.spec as Record<string, Json>)[f];
          const b = (n.spec as Record<string, Json>)[f];
          if (JSON.stringify(a) !== JSON.stringify(b)) return `${f} changed`;
        }
        return false;
      },
    };
  }

  clear(): void {
    this.calls.length = 0;
    this.started.length = 0;
  }
}

/** `a` happens before `b` in the list, both present. */
export function assertOrder(list: readonly string[], ...inOrder: string[]): void {
  let last = -1;
  for (const x of inOrder) {
    const i = list.indexOf(x);
    assert.ok(i >= 0, `expected "${x}" in [${list.join(', ')}]`);
    assert.ok(i > last, `expected "${x}" after "${inOrder[inOrder.indexOf(x) - 1]}" in [${list.join(', ')}]`);
    last = i;
  }
}

/** The plan's steps as `op name` strings (`recreate-delete t/A` for the phases of a recreate). */
export function stepList(p: Plan): string[] {
  return p.steps.map((s) => `${s.phase ? `${s.op}-${s.phase}` : s.op} ${s.ref.type}/${s.ref.name}`);
}

/** A manual clock: time moves only by `advance`, which fires due timers in order. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Pending timer due times, sorted. */
  get dueTimes(): number[] {
    return [...this.timers.values()].map((x) => x.at).sort((a, b) => a - b);
  }
  /** Moves time forward by `ms`, firing every timer that comes due, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Lets queued microtasks and promise chains run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Records log lines as `level: msg`, with their fields. */
export class LogSpy implements Logger {
  readonly lines: { level: string; obj: object; msg: string }[] = [];
  debug(obj: object, msg = ''): void {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg = ''): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg = ''): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg = ''): void {
    this.lines.push({ level: 'error', obj, msg });
  }
  at(level: string, match: RegExp): number {
    return this.lines.filter((l) => l.level === level && match.test(l.msg)).length;
  }
}
