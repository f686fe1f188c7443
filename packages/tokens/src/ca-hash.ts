// The first part of a join token: the hex SHA-256 of the cloud CA
// certificate's DER, which the edge compares with the CA it downloads.
import { createHash, X509Certificate } from 'node:crypto';

/** Hex SHA-256 of a certificate's DER. */
export function caHash(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** The token hash of a CA certificate in PEM. */
export function caHashOfPem(pem: string): string {
  return caHash(new X509Certificate(pem).raw);
}
