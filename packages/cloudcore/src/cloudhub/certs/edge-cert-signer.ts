// Signs an edge node's certificate request: the CSR must be well-formed,
// self-signed by the key it carries and name the node it is for
// (CN system:node:<name>); the certificate gets that CN, O system:nodes and
// client-auth use only, whatever else the CSR asked for.
import { KedgeError, errorMessage } from '@kedge/api';
import type { CloudCa } from './cloud-ca.ts';
import {
  EC_ALGORITHM,
  NODE_ORGANIZATION,
  newKeyPair,
  nodeCommonName,
  privateKeyPem,
  randomSerial,
  x509,
} from './x509.ts';

/** KubeEdge's default edgeCertSigningDuration: 365 days. */
export const DEFAULT_EDGE_CERT_DAYS = 365;

export async function signEdgeCsr(
  ca: CloudCa,
  csrDer: Uint8Array,
  options: { nodeName: string; validityMs: number; nowMs: number },
): Promise<Buffer> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(new Uint8Array(csrDer));
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_AUTH_CSR_INVALID',
      `the request body is not a DER certificate request: ${errorMessage(err)}`,
      {
        node: options.nodeName,
      },
    );
  }
  if (!(await csr.verify().catch(() => false))) {
    throw new KedgeError(
      'KEDGE_AUTH_CSR_INVALID',
      'the certificate request is not signed by the key it carries',
      {
        node: options.nodeName,
      },
    );
  }
  const cn = csr.subjectName.getField('CN')[0];
  const want = nodeCommonName(options.nodeName);
  if (cn !== want) {
    throw new KedgeError(
      'KEDGE_AUTH_CSR_INVALID',
      `the certificate request names CN ${JSON.stringify(cn ?? '')}; node ${options.nodeName} may only ask for ${want}`,
      { node: options.nodeName },
    );
  }
  const notBefore = new Date(Math.floor(options.nowMs / 1000) * 1000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${want}, O=${NODE_ORGANIZATION}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validityMs),
    signingKey: ca.key,
    publicKey: csr.publicKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
    ],
  });
  return Buffer.from(cert.rawData);
}

/**
 * Certificates for many nodes on one new key, for load tests (edgemark): the
 * same certificate the bootstrap would sign, without a CSR round trip each.
 */
export async function signNodeKey(
  ca: CloudCa,
  validityMs = 24 * 3600 * 1000,
): Promise<{ keyPem: string; certFor(nodeName: string): Promise<string> }> {
  const keys = await newKeyPair();
  return {
    keyPem: await privateKeyPem(keys.privateKey),
    certFor: async (nodeName) => {
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${nodeCommonName(nodeName)}, O=${NODE_ORGANIZATION}`,
        issuer: ca.cert.subject,
        notBefore: new Date(Math.floor(now / 1000) * 1000),
        notAfter: new Date(now + validityMs),
        signingKey: ca.key,
        publicKey: keys.publicKey,
        signingAlgorithm: EC_ALGORITHM,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        ],
      });
      return cert.toString('pem');
    },
  };
}
