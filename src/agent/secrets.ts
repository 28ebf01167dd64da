/**
 * Credentials from the config, per modem label. Cleartext credentials (from EVE's local profile
 * server) are used as given. Object-level encrypted credentials need the device's key: until that is
 * wired in, a modem with them reports why it cannot use them instead of connecting without them.
 */
import type { ModemSecrets } from '../modemitems/credentials.js';
import type { WwanConfig } from '../schemas/types.generated.js';

export interface ConfigSecrets {
  readonly secrets: ReadonlyMap<string, ModemSecrets>;
  /** Label → why its credentials cannot be used. */
  readonly errors: ReadonlyMap<string, string>;
}

export function secretsFromConfig(cfg: WwanConfig): ConfigSecrets {
  const secrets = new Map<string, ModemSecrets>();
  const errors = new Map<string, string>();
  for (const n of cfg.Networks ?? []) {
    const label = n.LogicalLabel ?? '';
    if (label === '') continue;
    const ap = n.AccessPoint ?? {};
    if (ap.EncryptedCredentials?.IsCipher) {
      errors.set(label, 'encrypted credentials are not supported yet: provide cleartext credentials');
    }
    const c = ap.CleartextCredentials;
    const a = ap.AttachCleartextCredentials;
    secrets.set(label, {
      ...(c && (c.Username || c.Password)
        ? { connection: { user: c.Username ?? '', password: c.Password ?? '' } }
        : {}),
      ...(a && (a.Username || a.Password)
        ? { attach: { user: a.Username ?? '', password: a.Password ?? '' } }
        : {}),
    });
  }
  return { secrets, errors };
}
