/**
 * The config intake: what `mmagent run` does with each config it reads (from its file or from
 * pubsub). A valid config goes to the agent (with its credentials apart, decrypted when the mode
 * can); anything else leaves the last good config in force and becomes the error every modem's
 * ConfigError shows. Nothing here can reach ModemManager or the kernel except through `setConfig`
 * of a config that passed validation.
 */
import type { Logger } from '../../reconciler/controller.js';
import type { ConfigFileError } from '../io/config-file.js';
import { redactConfig } from '../io/log.js';
import type { ModemSecrets } from '../modemitems/credentials.js';
import type { WwanConfig } from '../schemas/types.generated.js';
import type { OutputFacts } from './outputs.js';
import { type CipherOutcome, type DecryptBlock, secretsFromConfig } from './secrets.js';

export interface ConfigSink {
  setConfig(config: WwanConfig, secrets: ReadonlyMap<string, ModemSecrets>): void;
}

export interface IntakeOptions {
  /** Decrypts encrypted credentials (pubsub mode); without it they are an error for their modem. */
  readonly decrypt?: DecryptBlock;
  /** Every time the credentials were derived (for EVE's CipherBlockStatus and CipherMetrics). */
  readonly onCiphers?: (outcomes: readonly CipherOutcome[]) => void;
  /** Something the status shows changed. */
  readonly onChange?: () => void;
}

export class ConfigIntake {
  private config: WwanConfig | undefined;
  private fileError: ConfigFileError | undefined;
  private credentialErrors: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly agent: ConfigSink,
    private readonly logger: Logger,
    private readonly opts: IntakeOptions = {},
  ) {}

  /** A config that passed validation. */
  accept(cfg: WwanConfig): void {
    this.config = cfg;
    this.fileError = undefined;
    this.logger.info({ config: redactConfig(cfg) }, 'config accepted');
    this.apply(cfg);
  }

  /**
   * What decryption needs changed (a controller certificate came or went): the config in force is
   * applied again with its credentials derived anew, so a modem whose block could not be decrypted
   * connects as soon as it can, and one whose certificate went away stops using stale keys. A
   * config without encrypted credentials is left alone.
   */
  keysChanged(reason: string): void {
    const cfg = this.config;
    if (!cfg || !(cfg.Networks ?? []).some((n) => n.AccessPoint?.EncryptedCredentials?.IsCipher)) return;
    this.logger.info({ reason }, 'deriving the encrypted credentials again');
    this.apply(cfg);
  }

  private apply(cfg: WwanConfig): void {
    const s = secretsFromConfig(cfg, this.opts.decrypt);
    for (const [label, error] of s.errors)
      if (this.credentialErrors.get(label) !== error) this.logger.error({ modem: label }, error);
    this.credentialErrors = s.errors;
    this.opts.onCiphers?.(s.ciphers);
    this.agent.setConfig(cfg, s.secrets);
    this.opts.onChange?.();
  }

  /** The file is missing, unreadable or invalid: the last good config stays in force. */
  reject(err: ConfigFileError): void {
    this.fileError = err;
    this.logger.error(
      { file: err.file, kind: err.kind, errors: err.errors },
      this.config ? `${err.message}; keeping the last good config` : err.message,
    );
    this.opts.onChange?.();
  }

  /** What the status must say about the config. */
  outputFacts(): OutputFacts {
    return { fileError: this.fileError?.message, credentialErrors: this.credentialErrors };
  }
}
