/**
 * Ctrl-C and SIGTERM during the demo: the first one aborts whatever the demo is doing (it then
 * stops everything it started), a second one says that cleanup is under way. The handlers replace
 * Node's default (exit at once, leaving the namespace and the children behind).
 */
import { Interrupted } from './wait.js';

export interface Interrupts {
  readonly signal: AbortSignal;
  /** Aborts as a signal would (e.g. SIGPIPE: nobody reads the output any more). */
  interrupt(name: string): void;
  /** Removes the handlers (Node's defaults again). */
  dispose(): void;
}

export function catchInterrupts(say: (s: string) => void): Interrupts {
  const ctl = new AbortController();
  const on = (sig: string) => () => {
    if (ctl.signal.aborted) {
      say(`(${sig} again: still stopping what the demo started)`);
      return;
    }
    ctl.abort(new Interrupted(sig));
  };
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM'), SIGHUP: on('SIGHUP') } as const;
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
  return {
    signal: ctl.signal,
    interrupt: (name) => on(name)(),
    dispose() {
      for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
    },
  };
}
