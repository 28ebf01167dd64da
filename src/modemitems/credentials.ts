/**
 * Credentials stay out of item specs: specs carry a digest so a password change is still a change,
 * while plans, logs and graph exports never see the password. Configurators fetch the secret by the
 * modem's item name at call time.
 */
import { createHash } from 'node:crypto';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface ModemSecrets {
  readonly connection?: Credentials;
  readonly attach?: Credentials;
}

/** A short digest of user and password; '' when there are none. */
export function credentialsDigest(c: Credentials | undefined): string {
  if (!c || (c.user === '' && c.password === '')) return '';
  return createHash('sha256').update(`${c.user}\u0000${c.password}`).digest('hex').slice(0, 16);
}

/** Secrets by modem item name; replaced as a whole when the config changes. */
export class SecretStore {
  private secrets: ReadonlyMap<string, ModemSecrets> = new Map();

  replace(next: ReadonlyMap<string, ModemSecrets>): void {
    this.secrets = next;
  }

  get(name: string): ModemSecrets {
    return this.secrets.get(name) ?? {};
  }
}
