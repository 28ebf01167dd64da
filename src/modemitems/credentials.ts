/**
 * Credentials stay out of item specs: specs carry a digest so a password change is still a change,
 * while plans, logs and graph exports never see the password. Configurators fetch the secret by the
 * modem's item name at call time.
 *
 * The digest is an HMAC keyed with random bytes drawn once per process. Specs end up in files other
 * users can read (the graph export, plans, logs); an unkeyed hash there would let anyone test
 * password guesses offline. The key lives only in this module's closure: it is never exported,
 * logged or written, so a digest can only be compared with another digest of the same process,
 * which is all change detection needs (a restart builds the desired and the observed state anew).
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface ModemSecrets {
  readonly connection?: Credentials;
  readonly attach?: Credentials;
  /** The SIM PIN (AccessPoint.PIN, an extension of ours). */
  readonly pin?: string;
  /**
   * Why the credentials the config gives cannot be used (e.g. they do not decrypt): the modem must
   * not attach or connect without them, as EVE's agent blocks its connection attempts.
   */
  readonly blocked?: string;
}

const processKey: Buffer = randomBytes(32);

/**
 * A short keyed digest of user and password; '' when there are none. 64 bits: a collision would
 * only hide one password change, and the key makes a deliberate one impossible to construct.
 */
export function credentialsDigest(c: Credentials | undefined): string {
  if (!c || (c.user === '' && c.password === '')) return '';
  // Length-prefixed fields: ("a\0", "b") and ("a", "\0b") must not collide.
  const user = Buffer.from(c.user, 'utf8');
  const password = Buffer.from(c.password, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(user.length);
  return createHmac('sha256', processKey)
    .update(len)
    .update(user)
    .update(password)
    .digest('hex')
    .slice(0, 16);
}

/** A keyed digest of a SIM PIN ('' for none), as credentialsDigest for a login. */
export function pinDigest(pin: string | undefined): string {
  return pin ? createHmac('sha256', processKey).update('pin\0').update(pin).digest('hex').slice(0, 16) : '';
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
