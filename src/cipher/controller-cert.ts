/**
 * The controller's ECDH public key from its certificate, as EVE's getControllerCertEcdhKey takes
 * it (pkg/pillar/cipher/handlecipher.go; reference eve-pubsub.md §4.2 step 2): the first
 * `CERTIFICATE` PEM block that parses, whose key must be EC.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';

/** A PEM text, or its bytes, or one DER certificate (ControllerCert.Cert after base64 decoding). */
export type CertificateInput = string | Uint8Array;

export type ControllerKeyResult =
  | { readonly ok: true; readonly publicKey: KeyObject }
  | { readonly ok: false; readonly error: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

function parseDer(der: Uint8Array): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    // Go skips a block that does not parse and tries the next one; so do we.
    return undefined;
  }
}

function firstCertificate(input: CertificateInput): X509Certificate | undefined {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (!text.includes('-----BEGIN')) {
    return typeof input === 'string' ? undefined : parseDer(input);
  }
  for (const m of text.matchAll(PEM_CERT)) {
    const cert = parseDer(Buffer.from((m[1] ?? '').replace(/\s/g, ''), 'base64'));
    if (cert) return cert;
  }
  return undefined;
}

export function controllerPublicKey(input: CertificateInput | undefined): ControllerKeyResult {
  if (input === undefined || input.length === 0) {
    return {
      ok: false,
      error: 'no controller certificate for this block (ControllerCertHash not published yet?)',
    };
  }
  const cert = firstCertificate(input);
  if (!cert) return { ok: false, error: 'the controller certificate holds no X.509 certificate that parses' };
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'ec') {
    return {
      ok: false,
      error: `the controller certificate key is not ECDSA (${key.asymmetricKeyType ?? 'unknown'})`,
    };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') {
    return {
      ok: false,
      error: `the controller certificate key is on ${curve ?? 'an unknown curve'}, not P-256`,
    };
  }
  return { ok: true, publicKey: key };
}
