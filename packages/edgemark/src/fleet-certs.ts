// Client certificates for a hollow fleet against a cloud in certificates
// mode: one key for the fleet and one certificate per node (CN
// system:node:<name>), signed with the cloud CA as GET /edge.crt would. The
// cloud pays per connection exactly what it pays for real edges; the fleet
// skips N bootstrap round trips.
import { readFileSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';
import { loadOrCreateCloudCa, signNodeKey } from '@kedge/cloudcore';

export interface NodeClientCert {
  cert: string;
  key: string;
}

export async function fleetClientCerts(
  caFile: string,
  caKeyFile: string,
  names: readonly string[],
): Promise<(name: string) => NodeClientCert | undefined> {
  let ca;
  try {
    readFileSync(caKeyFile);
    ({ ca } = await loadOrCreateCloudCa(caFile, caKeyFile));
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', `--ca-key-file: ${errorMessage(err)}`, {
      file: caKeyFile,
      fields: ['--ca-key-file'],
    });
  }
  const certs = new Map<string, NodeClientCert>();
  const signer = await signNodeKey(ca);
  for (const name of names) certs.set(name, { cert: await signer.certFor(name), key: signer.keyPem });
  return (name) => certs.get(name);
}
