/**
 * The pubsub keys under which EVE publishes the certificates a block needs: `ControllerCert` and
 * `EdgeNodeCert` items are keyed by the lowercase hex of the hashes in the block's CipherContext
 * (EVE types `CipherContext.ControllerCertKey()` / `EdgeNodeCertKey()`; reference eve-pubsub.md
 * §4.2 steps 2–3). The caller looks the certificates up; this only names them.
 */
import { goBytes } from './base64.js';
import type { CipherBlockInput } from './decrypt.js';

export interface CertLookupKeys {
  /** Key of the `zedagent`/`ControllerCert` item; '' when the hash is absent or not base64. */
  readonly controllerCert: string;
  /** Key of the `tpmmgr`/`EdgeNodeCert` item; '' when the hash is absent or not base64. */
  readonly edgeNodeCert: string;
}

function hexOf(value: unknown): string {
  const b = goBytes(value);
  return b.ok ? b.bytes.toString('hex') : '';
}

export function certLookupKeys(block: CipherBlockInput): CertLookupKeys {
  const ctx = typeof block === 'object' && block !== null ? block.CipherContext : undefined;
  if (typeof ctx !== 'object' || ctx === null) return { controllerCert: '', edgeNodeCert: '' };
  return { controllerCert: hexOf(ctx.ControllerCertHash), edgeNodeCert: hexOf(ctx.DeviceCertHash) };
}
