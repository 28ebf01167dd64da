/**
 * What the demo started, stopped in reverse order, each stop named as it happens, bounded in time,
 * and none skipped because an earlier one failed.
 */
const STOP_TIMEOUT_MS = 8000;

export class Teardown {
  readonly #stops: { what: string; stop: () => Promise<unknown> }[] = [];

  /** `what` says it as it happens: "stopping the agent (pid 42)". */
  add(what: string, stop: () => Promise<unknown>): void {
    this.#stops.push({ what, stop });
  }

  /** Runs every stop; resolves with how many failed. */
  async run(say: (s: string) => void): Promise<number> {
    let failed = 0;
    for (let s = this.#stops.pop(); s; s = this.#stops.pop()) {
      say(`  ${s.what}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not stopped after ${STOP_TIMEOUT_MS} ms`)),
          STOP_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([s.stop(), timeout]);
      } catch (err) {
        failed++;
        say(`  ! ${s.what}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return failed;
  }
}
