// The Secret holding the cloud CA every cloudcore replica signs edge
// certificates with (kubeedge/casecret, as KubeEdge names it; PEM files
// rootCA.crt and rootCA.key, mounted at /etc/kedge/ca). keadm init creates it
// once and never replaces it: a new CA would invalidate every joined node's
// certificate and every join token (they carry the CA's hash).
import { KedgeError } from '@kedge/api';
import { caKeyPem, newCloudCa } from '@kedge/cloudcore';
import type { Kubectl } from './kubectl.ts';

export const CA_SECRET = {
  namespace: 'kubeedge',
  name: 'casecret',
  certKey: 'rootCA.crt',
  keyKey: 'rootCA.key',
} as const;

export type CaSecretOutcome = 'created' | 'exists';

/** Creates the CA Secret unless it exists (with dryRun: asks the server whether it could). */
export async function ensureCaSecret(kubectl: Kubectl, dryRun: boolean): Promise<CaSecretOutcome> {
  const { namespace, name, certKey, keyKey } = CA_SECRET;
  const found = await kubectl(['-n', namespace, 'get', 'secret', name, '-o', 'name'], { allowFailure: true });
  if (found.code === 0) return 'exists';
  if (!/NotFound|not found/.test(found.stderr)) {
    throw new KedgeError(
      'KEDGE_KUBECTL_FAILED',
      `cannot read Secret ${namespace}/${name}: ${found.stderr.trim() || `kubectl exited ${found.code}`}`,
      { resource: `secret/${namespace}/${name}` },
    );
  }
  const ca = await newCloudCa();
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'kedge' } },
    type: 'Opaque',
    stringData: { [certKey]: ca.pem, [keyKey]: await caKeyPem(ca) },
  };
  await kubectl(['create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
    input: JSON.stringify(secret),
  });
  return 'created';
}
