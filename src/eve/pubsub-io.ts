/**
 * The wwan agent's pubsub side in EVE (reference eve-pubsub.md §2): it subscribes `nim`/WwanConfig,
 * `zedagent`/ConfigItemValueMap, `zedagent`/ControllerCert and `tpmmgr`/EdgeNodeCert (preloaded from
 * its persistent checkpoints), and publishes as agent `wwan`: WwanStatus, WwanMetrics and
 * WwanLocationInfo (key `global`), CipherBlockStatus (key CipherBlockID) and CipherMetrics.
 *
 * Like EVE's agent it waits for the first global config before it takes a WwanConfig, but boundedly:
 * after `globalConfigWaitMs` it says so and goes on with EVE's defaults. Only the key `global` of
 * the config topics is read (EVE's handlers ignore others); a deleted WwanConfig is an empty one and
 * a deleted global config means the defaults, as in EVE. Values are validated as file mode's are
 * (same validators, same messages, the topic named where a file would be).
 */
import { join } from 'node:path';
import type { Clock } from '../../reconciler/api.js';
import { systemClock } from '../../reconciler/api.js';
import type { BackoffPolicy } from '../../reconciler/backoff.js';
import type { Logger } from '../../reconciler/controller.js';
import type { AgentOutputs } from '../agent/outputs.js';
import type { CipherOutcome } from '../agent/secrets.js';
import { type ConfigFileError, checkConfigValue } from '../io/config-file.js';
import { Publisher, PubsubError, Subscriber } from '../pubsub/index.js';
import type { ConfigItemValueMap, WwanConfig } from '../schemas/types.generated.js';
import { validateGlobalConfig, validateWwanConfig } from '../schemas/validate.js';
import { CipherMetricsCounter, cipherBlockStatus } from './cipher-report.js';
import { deviceKeyFile, Keyring } from './keyring.js';

/** EVE's agent, topic names and key (reference eve-pubsub.md §2). */
export const WWAN_AGENT = 'wwan';
export const GLOBAL_KEY = 'global';
export const SUBSCRIPTIONS = {
  wwanConfig: { agent: 'nim', topic: 'WwanConfig' },
  globalConfig: { agent: 'zedagent', topic: 'ConfigItemValueMap' },
  controllerCert: { agent: 'zedagent', topic: 'ControllerCert' },
  edgeNodeCert: { agent: 'tpmmgr', topic: 'EdgeNodeCert' },
} as const;
export const PUBLICATIONS = {
  status: 'WwanStatus',
  metrics: 'WwanMetrics',
  location: 'WwanLocationInfo',
  cipherBlocks: 'CipherBlockStatus',
  cipherMetrics: 'CipherMetrics',
} as const;

/** EVE waits for the first global config without a limit; we wait this long, then use the defaults. */
export const DEFAULT_GLOBAL_CONFIG_WAIT_MS = 30_000;

/** Where what the pubsub side reads goes. */
export interface EveSinks {
  /** The WwanConfig, validated (`{}` when nim deleted it). */
  acceptConfig(cfg: WwanConfig): void;
  /** A WwanConfig that failed validation: the last good one stays in force. */
  rejectConfig(err: ConfigFileError): void;
  /** The global config, validated; undefined: EVE's defaults (none received, or deleted). */
  applySettings(map: ConfigItemValueMap | undefined): void;
  /** A certificate decryption depends on came, changed or went. */
  keysChanged(reason: string): void;
}

export interface EvePubsubOptions {
  /** EVE's /run: sockets and checkpoints of every agent. */
  readonly runDir: string;
  /** EVE's /persist: the device key (certs/ecdh.key.pem), tpmmgr's persistent EdgeNodeCert. */
  readonly persistDir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly globalConfigWaitMs?: number;
  /** The subscribers' redial policy (default the transport's). */
  readonly backoff?: BackoffPolicy;
}

export class EvePubsub {
  readonly keyring: Keyring;
  private readonly clock: Clock;
  private readonly publishers: Record<keyof typeof PUBLICATIONS, Publisher>;
  private readonly subscribers: Subscriber[] = [];
  private readonly cipherMetrics: CipherMetricsCounter;
  private readonly cipherBlocks = new Set<string>();
  private settingsSeen = false;
  /** Publications under way (their checkpoint writes), for idle(). */
  private readonly sending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly opts: EvePubsubOptions,
    private readonly sinks: EveSinks,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.keyring = new Keyring(deviceKeyFile(opts.persistDir));
    this.cipherMetrics = new CipherMetricsCounter(this.clock, WWAN_AGENT);
    const pub = (topic: string) =>
      new Publisher({ runDir: opts.runDir, agent: WWAN_AGENT, topic, logger: opts.logger });
    this.publishers = {
      status: pub(PUBLICATIONS.status),
      metrics: pub(PUBLICATIONS.metrics),
      location: pub(PUBLICATIONS.location),
      cipherBlocks: pub(PUBLICATIONS.cipherBlocks),
      cipherMetrics: pub(PUBLICATIONS.cipherMetrics),
    };
  }

  /**
   * Publishes, reads the device key, subscribes to the global config and waits for it (bounded,
   * or until `signal` aborts), then subscribes to the WwanConfig and the certificates. Rejects when
   * a publication cannot be set up (another wwan agent owns the sockets, the run dir is not ours).
   */
  async start(signal?: AbortSignal): Promise<void> {
    for (const p of Object.values(this.publishers)) await p.start();
    const keyError = await this.keyring.loadDeviceKey();
    if (keyError) this.opts.logger.warn({}, `${keyError}: encrypted credentials cannot be decrypted`);

    let arrived!: () => void;
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    this.subscribe(SUBSCRIPTIONS.globalConfig, {
      onUpdate: (key, value) => {
        if (key !== GLOBAL_KEY) return;
        this.onGlobalConfig(value);
        arrived();
      },
      onDelete: (key) => {
        if (key !== GLOBAL_KEY) return;
        this.opts.logger.info({}, 'global config deleted: using the defaults');
        this.sinks.applySettings(undefined);
      },
    });
    const waitMs = this.opts.globalConfigWaitMs ?? DEFAULT_GLOBAL_CONFIG_WAIT_MS;
    const timer = this.clock.setTimeout(() => {
      if (!this.settingsSeen) {
        this.opts.logger.warn(
          { waitedMs: waitMs, socket: this.socketOf(SUBSCRIPTIONS.globalConfig) },
          'no global config from zedagent yet: starting with the defaults (it is applied when it comes)',
        );
        this.sinks.applySettings(undefined);
      }
      arrived();
    }, waitMs);
    // A stop that came before the wait began has fired its event already.
    if (signal?.aborted) arrived();
    else signal?.addEventListener('abort', arrived, { once: true });
    this.opts.logger.info(
      { socket: this.socketOf(SUBSCRIPTIONS.globalConfig), maxWaitMs: waitMs },
      'waiting for the global config before acting',
    );
    await first;
    this.clock.clearTimeout(timer);
    signal?.removeEventListener('abort', arrived);
    if (this.closed || signal?.aborted) return;

    this.subscribe(SUBSCRIPTIONS.controllerCert, {
      onUpdate: (key, value) => {
        if (this.keyring.setControllerCert(key, value)) this.sinks.keysChanged('controller certificate');
      },
      onDelete: (key) => {
        if (this.keyring.setControllerCert(key, undefined))
          this.sinks.keysChanged('controller certificate removed');
      },
    });
    this.subscribe(
      SUBSCRIPTIONS.edgeNodeCert,
      {
        onUpdate: (key, value) => {
          if (this.keyring.setEdgeNodeCert(key, value)) this.sinks.keysChanged('device certificate');
        },
        onDelete: (key) => {
          if (this.keyring.setEdgeNodeCert(key, undefined))
            this.sinks.keysChanged('device certificate removed');
        },
      },
      join(
        this.opts.persistDir,
        'status',
        SUBSCRIPTIONS.edgeNodeCert.agent,
        SUBSCRIPTIONS.edgeNodeCert.topic,
      ),
    );
    this.subscribe(SUBSCRIPTIONS.wwanConfig, {
      onUpdate: (key, value) => {
        if (key === GLOBAL_KEY) this.onWwanConfig(value);
        else this.opts.logger.debug({ key }, 'WwanConfig key other than global ignored');
      },
      onDelete: (key) => {
        if (key !== GLOBAL_KEY) return;
        this.opts.logger.info({}, 'WwanConfig deleted: applying an empty config');
        this.sinks.acceptConfig({});
      },
    });
  }

  /** Publishes the agent's outputs (unchanged values are not sent again; errors are logged). */
  publishOutputs(out: AgentOutputs): void {
    this.send(this.publishers.status.publish(GLOBAL_KEY, out.status));
    this.send(this.publishers.metrics.publish(GLOBAL_KEY, out.metrics));
    if (out.location) this.send(this.publishers.location.publish(GLOBAL_KEY, out.location));
  }

  /** After credentials were derived: each block's CipherBlockStatus, and the counts. */
  publishCiphers(outcomes: readonly CipherOutcome[]): void {
    this.cipherMetrics.record(outcomes);
    const now = this.clock.now();
    const current = new Set<string>();
    for (const o of outcomes) {
      const id = o.block.CipherBlockID ?? '';
      if (id === '' || current.has(id)) continue;
      current.add(id);
      this.send(this.publishers.cipherBlocks.publish(id, cipherBlockStatus(o, now)));
    }
    for (const id of this.cipherBlocks)
      if (!current.has(id)) this.send(this.publishers.cipherBlocks.unpublish(id));
    this.cipherBlocks.clear();
    for (const id of current) this.cipherBlocks.add(id);
    if (this.cipherMetrics.any)
      this.send(this.publishers.cipherMetrics.publish(GLOBAL_KEY, this.cipherMetrics.metrics()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.subscribers.map((s) => s.close()));
    await Promise.all(Object.values(this.publishers).map((p) => p.close()));
  }

  private onGlobalConfig(value: unknown): void {
    this.settingsSeen = true;
    const where = `pubsub ${this.socketOf(SUBSCRIPTIONS.globalConfig)}`;
    const r = checkConfigValue(where, value, validateGlobalConfig);
    if (!r.ok) {
      this.opts.logger.error({ errors: r.errors }, `${r.message}; keeping the settings in force`);
      return;
    }
    this.sinks.applySettings(r.value);
  }

  private onWwanConfig(value: unknown): void {
    const where = `pubsub ${this.socketOf(SUBSCRIPTIONS.wwanConfig)}`;
    const r = checkConfigValue(where, value, validateWwanConfig);
    if (r.ok) this.sinks.acceptConfig(r.value);
    else this.sinks.rejectConfig(r);
  }

  private socketOf(s: { agent: string; topic: string }): string {
    return join(this.opts.runDir, s.agent, `${s.topic}.sock`);
  }

  private subscribe(
    at: { agent: string; topic: string },
    handlers: { onUpdate(key: string, value: unknown): void; onDelete(key: string): void },
    preloadDir?: string,
  ): void {
    const s = new Subscriber({
      runDir: this.opts.runDir,
      agent: at.agent,
      topic: at.topic,
      logger: this.opts.logger,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(preloadDir ? { preloadDir } : {}),
      onUpdate: (key, value) => {
        if (!this.closed) handlers.onUpdate(key, value);
      },
      onDelete: (key) => {
        if (!this.closed) handlers.onDelete(key);
      },
    });
    this.subscribers.push(s);
    s.start();
  }

  /** Resolves when every publication asked for so far has been sent and checkpointed. */
  async idle(): Promise<void> {
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  /** A publication's failure is logged where it happened (PubsubError.logged) or here; never thrown. */
  private send(p: Promise<void>): void {
    const done = p
      .catch((err: unknown) => {
        if (err instanceof PubsubError && (err.logged || err.code === 'closed')) return;
        this.opts.logger.error({ err }, 'cannot publish');
      })
      .finally(() => this.sending.delete(done));
    this.sending.add(done);
  }
}
