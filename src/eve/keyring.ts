/**
 * What decrypting EVE's credentials needs, gathered in pubsub mode: the device's software ECDH key
 * (`<persist>/certs/ecdh.key.pem`) and the controller certificates zedagent publishes
 * (`ControllerCert`, keyed by the hex of their hash). tpmmgr's `EdgeNodeCert` items are kept only to
 * word an error: with a software key the curve is known (P-256) and EVE's own rule is "the key file
 * exists: software path" (reference eve-pubsub.md §4.2 step 4), so a missing EdgeNodeCert does not
 * hold a modem back.
 */
import { join } from 'node:path';
import { goBytes } from '../cipher/base64.js';
import {
  type CipherBlockInput,
  type CredentialsResult,
  certLookupKeys,
  type DeviceKeyResult,
  decryptCredentials,
  loadDeviceKey,
} from '../cipher/index.js';

/** `<persist>/certs/ecdh.key.pem` (EVE `types.CertificateDirname + "/ecdh.key.pem"`). */
export const deviceKeyFile = (persistDir: string) => join(persistDir, 'certs', 'ecdh.key.pem');

export class Keyring {
  private deviceKey: DeviceKeyResult = {
    ok: false,
    tpm: false,
    error: 'the device key has not been read yet',
  };
  private readonly controllerCerts = new Map<string, Buffer>();
  private readonly edgeNodeCerts = new Map<string, { readonly isTpm: boolean }>();

  constructor(private readonly keyFile: string) {}

  /** (Re)reads the device key file; returns the error when there is no usable key. */
  async loadDeviceKey(): Promise<string | undefined> {
    this.deviceKey = await loadDeviceKey(this.keyFile);
    return this.deviceKey.ok ? undefined : this.deviceKey.error;
  }

  /** A `zedagent`/`ControllerCert` item (undefined: deleted). Returns whether what decryption sees changed. */
  setControllerCert(key: string, value: unknown): boolean {
    const cert = goBytes((value as { Cert?: unknown } | null | undefined)?.Cert);
    const before = this.controllerCerts.get(key);
    if (value === undefined || !cert.ok || cert.bytes.length === 0) return this.controllerCerts.delete(key);
    this.controllerCerts.set(key, cert.bytes);
    return !before?.equals(cert.bytes);
  }

  /** A `tpmmgr`/`EdgeNodeCert` item (undefined: deleted). */
  setEdgeNodeCert(key: string, value: unknown): boolean {
    if (value === undefined) return this.edgeNodeCerts.delete(key);
    const isTpm = (value as { IsTpm?: unknown } | null)?.IsTpm === true;
    const changed = this.edgeNodeCerts.get(key)?.isTpm !== isTpm;
    this.edgeNodeCerts.set(key, { isTpm });
    return changed;
  }

  /** Decrypts one block with what is at hand; never throws. */
  decrypt(block: CipherBlockInput): CredentialsResult {
    const keys = certLookupKeys(block);
    const controllerCert = this.controllerCerts.get(keys.controllerCert);
    const dk = this.deviceKey;
    if (!dk.ok && !dk.tpm) {
      // A key file that is there but unusable: not the TPM case, and not worth decrypting with.
      return { ok: false, failure: 'malformed', error: `encrypted credentials: ${dk.error}` };
    }
    const result = decryptCredentials(block, {
      deviceKey: dk.ok ? dk.key : undefined,
      controllerCert,
    });
    if (!result.ok && result.failure === 'controller-cert' && controllerCert === undefined) {
      const id = keys.controllerCert === '' ? 'named by no hash' : keys.controllerCert.slice(0, 16);
      return {
        ...result,
        error: `encrypted credentials: the controller certificate ${id} has not arrived (zedagent ControllerCert)`,
      };
    }
    if (!result.ok && result.failure === 'tpm-key' && this.edgeNodeCerts.get(keys.edgeNodeCert)?.isTpm) {
      return { ...result, error: `${result.error} (tpmmgr reports the ECDH key in the TPM)` };
    }
    return result;
  }
}
