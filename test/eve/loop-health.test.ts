/** The watchdog beats from the reconcile loop: quiet or busy it touches, stuck it stops. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Controller } from '../../reconciler/controller.js';
import { heartbeatFromLoop, type LoopLike } from '../../src/eve/loop-health.js';
import { Watchdog, type WatchdogFs } from '../../src/eve/watchdog.js';
import { FakeClock, flush } from '../reconciler/harness.js';

/** The reconciler's Controller is a LoopLike (tsc checks this). */
export const controllerIsLoop = (c: Controller): LoopLike => c;

/** A loop whose runs we start and finish by hand. */
class ManualLoop implements LoopLike {
  private listeners = new Set<(e: { readonly type: string }) => void>();
  private waiters: (() => void)[] = [];
  running = false;
  idleCalls = 0;
  on(listener: (e: { readonly type: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  idle(): Promise<void> {
    this.idleCalls++;
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  finishRun(): void {
    this.running = false;
    for (const l of this.listeners) l({ type: 'run-finished' });
    for (const w of this.waiters.splice(0)) w();
  }
}

function world() {
  const clock = new FakeClock();
  const touches: number[] = [];
  const fs: WatchdogFs = {
    touch: async (p, at) => {
      if (p.endsWith('/wwan.touch')) touches.push(at.getTime() / 1000);
    },
    writeFile: async () => undefined,
    readFile: async () => undefined,
    remove: async () => undefined,
    mkdir: async () => undefined,
  };
  const wd = new Watchdog({ runDir: '/run', clock, fs, pid: 1 });
  const loop = new ManualLoop();
  return { clock, touches, wd, loop };
}

async function advance(clock: FakeClock, wd: Watchdog, ms: number) {
  for (let t = 0; t < ms; t += 5_000) {
    await clock.advance(5_000);
    await flush();
    await wd.idle();
  }
}

test('a quiet loop keeps the touches going (the idle probe beats)', async () => {
  const { clock, touches, wd, loop } = world();
  await wd.start();
  const stop = heartbeatFromLoop(wd, loop, { clock });
  await advance(clock, wd, 200_000);
  assert.deepEqual(touches, [0, 25, 50, 75, 100, 125, 150, 175, 200]);
  stop();
  await wd.stop();
});

test('a run that never ends stops the touches; one probe waits, none pile up; its end resumes them', async () => {
  const { clock, touches, wd, loop } = world();
  await wd.start();
  const stop = heartbeatFromLoop(wd, loop, { clock });
  await advance(clock, wd, 20_000);
  loop.running = true; // a run starts at 20 s and hangs
  const calls = loop.idleCalls;
  await advance(clock, wd, 180_000);
  // The last beat is the probe's at 12.5 s: at 75 s it is 62.5 s old, past the 60 s limit.
  assert.deepEqual(touches, [0, 25, 50]);
  assert.equal(loop.idleCalls - calls, 1, 'one probe waiting, not one per period');
  loop.finishRun();
  await flush();
  await wd.idle();
  assert.equal(touches.at(-1), 200, 'touched at once when the loop is back');
  stop();
  await wd.stop();
});

test('a busy loop beats from its finished runs; after stop() nothing beats', async () => {
  const { clock, touches, wd, loop } = world();
  await wd.start();
  const stop = heartbeatFromLoop(wd, loop, { clock });
  loop.running = true;
  for (let i = 0; i < 20; i++) {
    await advance(clock, wd, 10_000);
    loop.finishRun();
    loop.running = true; // the next run starts at once
  }
  assert.deepEqual(touches, [0, 25, 50, 75, 100, 125, 150, 175, 200]);
  stop();
  loop.finishRun();
  await advance(clock, wd, 100_000);
  assert.deepEqual(touches.slice(9), [225, 250], 'beats stop with stop(): the last one (200 s) lasts 60 s');
  await wd.stop();
});
