/**
 * Visible-provider scans (`wwan.query.visible.providers`, reference eve-mmagent.md §4.11) as items:
 * a managed modem with scanning on wants `mm.scan/<name> {round}`, where the round is the number of
 * whole scan periods (an hour) since scanning was switched on. A new round, a newly managed modem or
 * switching scanning on makes a new spec, and the step starts `Modem3gpp.Scan`.
 *
 * A scan takes minutes (MM allows 120 s for AT+COPS=?), so the step does not wait for it: it starts
 * the scan here and returns, and the round is observed as done from then on. Everything else keeps
 * being reconciled meanwhile, on this modem and on the others (EVE's scan held its client mutex for
 * up to 3 minutes). The result arrives later as an observation (`onResult`): kept, and shown in
 * VisibleProviders, until scanning is switched off or the modem leaves. A failed scan clears the
 * list, as EVE does, and the next round tries again.
 */
import type { VarDict } from '../modemmanager/types.js';

/** EVE's scanProvidersPeriod. */
export const SCAN_PERIOD_MS = 3_600_000;

interface Scan {
  readonly round: number;
  readonly abort: AbortController;
}

export class ScanTracker {
  private readonly scans = new Map<string, Scan>();
  private readonly results = new Map<string, readonly VarDict[]>();

  /**
   * `onResult`: a scan finished (with results or not): the status changed. `onError`: why one failed
   * (for the log; the list is cleared).
   */
  constructor(
    private readonly hooks: {
      readonly onResult?: () => void;
      readonly onError?: (name: string, err: unknown) => void;
    } = {},
  ) {}

  private onResult(): void {
    this.hooks.onResult?.();
  }

  /** Starts `scan` for round `round` of modem `name`, replacing one under way; never waits for it. */
  start(name: string, round: number, scan: (signal: AbortSignal) => Promise<readonly VarDict[]>): void {
    this.scans.get(name)?.abort.abort(new Error('a newer scan round started'));
    const s: Scan = { round, abort: new AbortController() };
    this.scans.set(name, s);
    scan(s.abort.signal).then(
      (list) => {
        if (this.scans.get(name) !== s) return;
        this.results.set(name, list);
        this.onResult();
      },
      (err: unknown) => {
        if (this.scans.get(name) !== s || s.abort.signal.aborted) return;
        this.results.delete(name);
        this.hooks.onError?.(name, err);
        this.onResult();
      },
    );
  }

  /** The round started last for `name` (the observed spec), or undefined. */
  round(name: string): number | undefined {
    return this.scans.get(name)?.round;
  }

  /** The last successful scan's networks of `name`. */
  visible(name: string): readonly VarDict[] | undefined {
    return this.results.get(name);
  }

  /** Scanning of `name` is no longer wanted: a scan under way is aborted, its results forgotten. */
  stop(name: string): void {
    const s = this.scans.get(name);
    s?.abort.abort(new Error('scanning is no longer wanted'));
    this.scans.delete(name);
    if (this.results.delete(name)) this.onResult();
  }

  /** Names with a scan started or results kept. */
  names(): string[] {
    return [...new Set([...this.scans.keys(), ...this.results.keys()])];
  }
}

/** The scan round at `now` for scanning switched on at `since`. */
export function scanRound(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / SCAN_PERIOD_MS));
}
