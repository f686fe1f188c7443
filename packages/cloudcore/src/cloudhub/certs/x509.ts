// The one place @peculiar/x509 is loaded: it needs the reflect-metadata
// polyfill and a WebCrypto provider (Node's). Every certificate module here
// imports x509 from this file.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256 with SHA-256, as KubeEdge's certificates. */
export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const subtle = webcrypto.subtle;

/** Certificates for node X carry this CN (and O system:nodes), as in Kubernetes and KubeEdge. */
const NODE_CN_PREFIX = 'system:node:';
export const NODE_ORGANIZATION = 'system:nodes';

export function nodeCommonName(nodeName: string): string {
  return NODE_CN_PREFIX + nodeName;
}

/** A random positive serial number (16 bytes, hex). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return subtle.importKey('pkcs8', der, EC_ALGORITHM, true, ['sign']);
}
