// The cloud's certificate authority: it signs the tunnel's server
// certificate and every edge node's client certificate. Loaded from
// caFile/caKeyFile (PEM); when neither exists it is created there on first
// start (key 0600), as KubeEdge creates its CA when none is configured.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { caHash } from '@kedge/tokens';
import {
  EC_ALGORITHM,
  type CryptoKey,
  importPrivateKeyPem,
  newKeyPair,
  privateKeyPem,
  randomSerial,
  x509,
} from './x509.ts';

const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

export interface CloudCa {
  cert: x509.X509Certificate;
  /** The CA certificate, DER (what GET /ca.crt serves). */
  der: Buffer;
  pem: string;
  key: CryptoKey;
  /** Hex SHA-256 of the DER: the first part of every join token. */
  hash: string;
}

export async function loadOrCreateCloudCa(
  caFile: string,
  caKeyFile: string,
): Promise<{ ca: CloudCa; created: boolean }> {
  const haveCert = existsSync(caFile);
  const haveKey = existsSync(caKeyFile);
  if (!haveCert && !haveKey) return { ca: await createCa(caFile, caKeyFile), created: true };
  if (!haveCert || !haveKey) {
    const missing = haveCert ? caKeyFile : caFile;
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${missing}: missing while its pair exists; give both or neither`,
      {
        file: missing,
        fields: ['modules.cloudHub.tls.caFile', 'modules.cloudHub.tls.caKeyFile'],
      },
    );
  }
  try {
    const pem = readFileSync(caFile, 'utf8');
    const cert = new x509.X509Certificate(pem);
    const key = await importPrivateKeyPem(readFileSync(caKeyFile, 'utf8'));
    return { ca: caFrom(cert, key), created: false };
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${caFile} / ${caKeyFile}: not an ECDSA P-256 CA certificate and PKCS#8 key in PEM: ${errorMessage(err)}`,
      { file: caFile, fields: ['modules.cloudHub.tls.caFile', 'modules.cloudHub.tls.caKeyFile'] },
      { cause: err },
    );
  }
}

/** A new CA in memory (tests, benchmarks). */
export async function newCloudCa(commonName = 'KubeEdge'): Promise<CloudCa> {
  const keys = await newKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return caFrom(cert, keys.privateKey);
}

async function createCa(caFile: string, caKeyFile: string): Promise<CloudCa> {
  const ca = await newCloudCa();
  mkdirSync(dirname(caKeyFile), { recursive: true });
  mkdirSync(dirname(caFile), { recursive: true });
  writeFileSync(caKeyFile, await privateKeyPem(ca.key), { mode: 0o600, flag: 'wx' });
  writeFileSync(caFile, ca.pem, { mode: 0o644, flag: 'wx' });
  return ca;
}

function caFrom(cert: x509.X509Certificate, key: CryptoKey): CloudCa {
  const der = Buffer.from(cert.rawData);
  return { cert, der, pem: cert.toString('pem'), key, hash: caHash(der) };
}

/** The CA's key as PKCS#8 PEM (for a Secret that several replicas mount). */
export async function caKeyPem(ca: CloudCa): Promise<string> {
  return privateKeyPem(ca.key);
}

/** The tunnel's (and the bootstrap server's) certificate, signed by the CA, for these IPs and names. */
export async function issueServerCert(
  ca: CloudCa,
  hosts: { ips: readonly string[]; dnsNames: readonly string[] },
  validityMs = 365 * 24 * 3600 * 1000,
): Promise<{ cert: string; key: string }> {
  const keys = await newKeyPair();
  const now = Date.now();
  const names = [
    ...hosts.ips.map((value) => ({ type: 'ip' as const, value })),
    ...hosts.dnsNames.map((value) => ({ type: 'dns' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=cloudcore',
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return { cert: `${cert.toString('pem')}\n${ca.pem}\n`, key: await privateKeyPem(keys.privateKey) };
}
