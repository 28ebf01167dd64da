/**
 * The device's software ECDH key. EVE keeps it at /persist/certs/ecdh.key.pem when the key is not
 * in the TPM, and its absence means the key is TPM-resident (tpmmgr `IsTpm`; reference
 * eve-pubsub.md §4.2 step 4).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Where EVE keeps the software device ECDH key (`types.CertificateDirname + "/ecdh.key.pem"`). */
export const EVE_ECDH_KEY_FILE = '/persist/certs/ecdh.key.pem';

export const TPM_KEY_ERROR = 'the device key is held by the TPM: not supported by mmagent yet';

export type DeviceKeyResult =
  | { readonly ok: true; readonly key: KeyObject }
  | {
      readonly ok: false;
      /** True when there is no key file: on EVE that means the key lives in the TPM. */
      readonly tpm: boolean;
      readonly error: string;
    };

/** Parses a PEM (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`) or DER EC private key. */
export function parseDeviceKey(bytes: Uint8Array, source = 'the device key'): DeviceKeyResult {
  // A view, not a copy: loadDeviceKey zeroes the bytes after parsing and no copy must outlive it.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPem = buf.includes('-----BEGIN');
  const attempts = isPem
    ? [{ key: buf, format: 'pem' as const }]
    : [
        { key: buf, format: 'der' as const, type: 'pkcs8' as const },
        { key: buf, format: 'der' as const, type: 'sec1' as const },
      ];
  for (const opts of attempts) {
    let key: KeyObject;
    try {
      key = createPrivateKey(opts);
    } catch {
      // The next encoding may fit; the final error below says none did (the message never quotes the bytes).
      continue;
    }
    if (key.asymmetricKeyType !== 'ec') {
      return {
        ok: false,
        tpm: false,
        error: `${source} is not an EC key (${key.asymmetricKeyType ?? 'unknown'})`,
      };
    }
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') {
      return { ok: false, tpm: false, error: `${source} is on ${curve ?? 'an unknown curve'}, not P-256` };
    }
    return { ok: true, key };
  }
  return { ok: false, tpm: false, error: `${source} is not a PEM or DER EC private key` };
}

/** Reads and parses the key file; a missing file is reported as EVE's TPM-held key case. */
export async function loadDeviceKey(path: string = EVE_ECDH_KEY_FILE): Promise<DeviceKeyResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return { ok: false, tpm: true, error: `${TPM_KEY_ERROR} (no ${path})` };
    return { ok: false, tpm: false, error: `cannot read the device key ${path}: ${code}` };
  }
  try {
    return parseDeviceKey(bytes, `the device key ${path}`);
  } finally {
    // The buffer holds the private key: do not leave it for the collector to find in a heap dump.
    bytes.fill(0);
  }
}
