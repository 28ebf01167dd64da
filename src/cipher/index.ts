/** Object-level encrypted credentials (EVE's CipherBlockStatus): see README.md. */
export type { CertLookupKeys } from './cert-keys.js';
export { certLookupKeys } from './cert-keys.js';
export type { CertificateInput, ControllerKeyResult } from './controller-cert.js';
export { controllerPublicKey } from './controller-cert.js';
export type { CipherBlockInput, CipherFailure, CipherKeys, CredentialsResult } from './decrypt.js';
export { decryptCredentials } from './decrypt.js';
export type { DeviceKeyResult } from './device-key.js';
export { EVE_ECDH_KEY_FILE, loadDeviceKey, parseDeviceKey, TPM_KEY_ERROR } from './device-key.js';
export type { BlockCredentials, Credential } from './encryption-block.js';
