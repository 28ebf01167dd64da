/**
 * The config intake: what `mmagent run` does with each outcome of reading its config file. A valid
 * config goes to the agent (with its credentials apart); anything else leaves the last good config in
 * force and becomes the file error every modem's ConfigError shows. Nothing here can reach
 * ModemManager or the kernel except through `setConfig` of a config that passed validation.
 */
import type { Logger } from '../../reconciler/controller.js';
import type { ConfigFileError } from '../io/config-file.js';
import { redactConfig } from '../io/log.js';
import type { ModemSecrets } from '../modemitems/credentials.js';
import type { WwanConfig } from '../schemas/types.generated.js';
import type { OutputFacts } from './outputs.js';
import { secretsFromConfig } from './secrets.js';

export interface ConfigSink {
  setConfig(config: WwanConfig, secrets: ReadonlyMap<string, ModemSecrets>): void;
}

export class ConfigIntake {
  private config: WwanConfig | undefined;
  private fileError: ConfigFileError | undefined;
  private credentialErrors: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly agent: ConfigSink,
    private readonly logger: Logger,
    private readonly onChange: () => void = () => {},
  ) {}

  /** A config that passed validation. */
  accept(cfg: WwanConfig): void {
    this.config = cfg;
    this.fileError = undefined;
    const s = secretsFromConfig(cfg);
    this.credentialErrors = s.errors;
    this.logger.info({ config: redactConfig(cfg) }, 'config accepted');
    this.agent.setConfig(cfg, s.secrets);
    this.onChange();
  }

  /** The file is missing, unreadable or invalid: the last good config stays in force. */
  reject(err: ConfigFileError): void {
    this.fileError = err;
    this.logger.error(
      { file: err.file, kind: err.kind, errors: err.errors },
      this.config ? `${err.message}; keeping the last good config` : err.message,
    );
    this.onChange();
  }

  /** What the status must say about the config. */
  outputFacts(): OutputFacts {
    return { fileError: this.fileError?.message, credentialErrors: this.credentialErrors };
  }
}
