/**
 * What EVE's wwan agent publishes about credential decryption (reference eve-pubsub.md §4.2 step 9,
 * EVE pkg/pillar/types/cipherinfotypes.go and cipher metrics): the `CipherBlockStatus` of every
 * encrypted block it decrypted, keyed by `CipherBlockID`, with `Error` set when it failed; and
 * `CipherMetrics` (key `global`) counting successes and failures by EVE's `CipherError` kinds.
 *
 * The block status is the block as received (ciphertext, IV, hash: nothing secret) with the error
 * and its time. Counting follows EVE: one count per decryption attempt, which here is each time a
 * config or a certificate changes what the credentials are derived from.
 */
import type { Clock } from '../../reconciler/api.js';
import type { CipherOutcome } from '../agent/secrets.js';
import type { CipherFailure } from '../cipher/index.js';
import { GO_ZERO_TIME, goTimeOf } from '../io/go-json.js';

/** EVE's `CipherError` (types.CipherError), the index into `TypeCounters`. */
export const CIPHER_ERROR = {
  Invalid: 0,
  NotReady: 1,
  DecryptFailed: 2,
  UnmarshalFailed: 3,
  CleartextFallback: 4,
  MissingFallback: 5,
  NoCipher: 6,
  NoData: 7,
} as const;
const TYPE_COUNTERS = 8;

/** EVE's `types.CipherMetrics`, JSON as Go writes it. */
export interface CipherMetrics {
  readonly AgentName: string;
  readonly FailureCount: number;
  readonly SuccessCount: number;
  readonly LastFailure: string;
  readonly LastSuccess: string;
  readonly TypeCounters: readonly number[];
}

/** Which CipherError a failure counts as (EVE's agent: NotReady before the certificate, else DecryptFailed). */
export function cipherErrorOf(failure: CipherFailure): number {
  switch (failure) {
    case 'not-ready':
    case 'controller-cert':
      return CIPHER_ERROR.NotReady;
    case 'undecodable':
      return CIPHER_ERROR.UnmarshalFailed;
    default:
      return CIPHER_ERROR.DecryptFailed;
  }
}

/** Counts decryptions as EVE's CipherMetrics does. */
export class CipherMetricsCounter {
  private failures = 0;
  private successes = 0;
  private lastFailure = GO_ZERO_TIME;
  private lastSuccess = GO_ZERO_TIME;
  private readonly counters: number[] = new Array<number>(TYPE_COUNTERS).fill(0);

  constructor(
    private readonly clock: Clock,
    private readonly agentName = 'wwan',
  ) {}

  record(outcomes: readonly CipherOutcome[]): void {
    for (const o of outcomes) {
      const at = goTimeOf(this.clock.now());
      if (o.result.ok) {
        this.successes++;
        this.lastSuccess = at;
      } else if (o.result.failure !== 'not-encrypted') {
        this.failures++;
        this.lastFailure = at;
        const i = cipherErrorOf(o.result.failure);
        this.counters[i] = (this.counters[i] ?? 0) + 1;
      }
    }
  }

  /** Whether anything was ever counted (EVE publishes the metrics only then). */
  get any(): boolean {
    return this.failures + this.successes > 0;
  }

  metrics(): CipherMetrics {
    return {
      AgentName: this.agentName,
      FailureCount: this.failures,
      SuccessCount: this.successes,
      LastFailure: this.lastFailure,
      LastSuccess: this.lastSuccess,
      TypeCounters: [...this.counters],
    };
  }
}

/** The CipherBlockStatus to publish for one outcome: the block, with its error when it failed. */
export function cipherBlockStatus(o: CipherOutcome, at: number): Record<string, unknown> {
  const { block, result } = o;
  if (result.ok) return { ...block, Error: '', ErrorTime: GO_ZERO_TIME };
  return { ...block, Error: result.error, ErrorTime: goTimeOf(at) };
}
