/** Node's timers as a TimerClock (tests inject a manual one instead). */
import type { TimerClock } from '../../reconciler/deadline.js';

/** Real timers that never keep a stopped process alive: a pending wait or retry is unref'd. */
export const unrefTimers: TimerClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
