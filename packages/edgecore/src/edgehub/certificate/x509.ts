// The one place edgecore loads @peculiar/x509 (it needs the reflect-metadata
// polyfill and Node's WebCrypto). Keys are ECDSA P-256, as KubeEdge's.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A new key and a CSR for node `nodeName` (CN system:node:<name>, O system:nodes), both PEM/DER. */
export async function newNodeKeyAndCsr(nodeName: string): Promise<{ keyPem: string; csrDer: Buffer }> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=system:node:${nodeName}, O=system:nodes`,
    keys,
    signingAlgorithm: EC_ALGORITHM,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrDer: Buffer.from(csr.rawData) };
}
