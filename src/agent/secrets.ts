/**
 * Credentials from the config, per modem label, as EVE's agent takes them (reference
 * eve-mmagent.md §4.16): when `EncryptedCredentials.IsCipher` is false the cleartext credentials
 * (EVE's local profile server path) are used as given; otherwise the block is decrypted, and a
 * block that cannot be decrypted blocks that modem's connection (it never connects without the
 * credentials it was given) and says why in its ConfigError. Decryption needs the device key and
 * the controller's certificate, which only the pubsub mode has: elsewhere (file mode, plan, demo)
 * `decrypt` is absent and an encrypted block is such an error.
 */
import type { CipherBlockInput, CredentialsResult } from '../cipher/index.js';
import type { Credentials, ModemSecrets } from '../modemitems/credentials.js';
import type { CleartextCredentials, WwanConfig } from '../schemas/types.generated.js';

/** Decrypts one block (src/cipher with the keys at hand). */
export type DecryptBlock = (block: CipherBlockInput) => CredentialsResult;

/** One modem's encrypted block and what became of it (for CipherBlockStatus and CipherMetrics). */
export interface CipherOutcome {
  readonly label: string;
  readonly block: CipherBlockInput;
  readonly result: CredentialsResult;
}

export interface ConfigSecrets {
  readonly secrets: ReadonlyMap<string, ModemSecrets>;
  /** Label → why its credentials cannot be used (its connection is blocked). */
  readonly errors: ReadonlyMap<string, string>;
  /** Every encrypted block of the config, in config order (none without `decrypt`). */
  readonly ciphers: readonly CipherOutcome[];
}

export const NO_DECRYPTION_ERROR =
  'encrypted credentials can only be decrypted in pubsub mode (mmagent run --pubsub, with the device key): provide cleartext credentials';

const cleartext = (c: CleartextCredentials | undefined): Credentials | undefined =>
  c && (c.Username || c.Password) ? { user: c.Username ?? '', password: c.Password ?? '' } : undefined;

const decrypted = (c: { user: string; password: string } | undefined): Credentials | undefined =>
  c && (c.user || c.password) ? c : undefined;

export function secretsFromConfig(cfg: WwanConfig, decrypt?: DecryptBlock): ConfigSecrets {
  const secrets = new Map<string, ModemSecrets>();
  const errors = new Map<string, string>();
  const ciphers: CipherOutcome[] = [];
  for (const n of cfg.Networks ?? []) {
    const label = n.LogicalLabel ?? '';
    if (label === '') continue;
    const ap = n.AccessPoint ?? {};
    const block = ap.EncryptedCredentials;
    let connection = cleartext(ap.CleartextCredentials);
    let attach = cleartext(ap.AttachCleartextCredentials);
    if (block?.IsCipher) {
      connection = undefined;
      attach = undefined;
      if (!decrypt) {
        errors.set(label, NO_DECRYPTION_ERROR);
      } else {
        const result = decrypt(block);
        ciphers.push({ label, block, result });
        if (result.ok) {
          connection = decrypted(result.connection);
          attach = decrypted(result.attach);
        } else {
          errors.set(label, result.error);
        }
      }
    }
    const blocked = errors.get(label);
    secrets.set(label, {
      ...(ap.PIN ? { pin: ap.PIN } : {}),
      ...(connection ? { connection } : {}),
      ...(attach ? { attach } : {}),
      ...(blocked ? { blocked } : {}),
    });
  }
  return { secrets, errors, ciphers };
}
