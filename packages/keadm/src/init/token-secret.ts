// The Secret every cloudcore replica derives node tokens from
// (kubeedge/tokensecret, key tokendata, as KubeEdge names it). keadm init
// creates it once with a random value and never replaces it: a new value
// would invalidate the token of every joined node.
import { randomBytes } from 'node:crypto';
import { KedgeError } from '@kedge/api';
import type { Kubectl } from './kubectl.ts';

export const TOKEN_SECRET = { namespace: 'kubeedge', name: 'tokensecret', key: 'tokendata' } as const;

export type TokenSecretOutcome = 'created' | 'exists';

/** Creates the token Secret unless it exists (with dryRun: asks the server whether it could). */
export async function ensureTokenSecret(kubectl: Kubectl, dryRun: boolean): Promise<TokenSecretOutcome> {
  const { namespace, name, key } = TOKEN_SECRET;
  const found = await kubectl(['-n', namespace, 'get', 'secret', name, '-o', 'name'], { allowFailure: true });
  if (found.code === 0) return 'exists';
  if (!/NotFound|not found/.test(found.stderr)) {
    throw new KedgeError(
      'KEDGE_KUBECTL_FAILED',
      `cannot read Secret ${namespace}/${name}: ${found.stderr.trim() || `kubectl exited ${found.code}`}`,
      { resource: `secret/${namespace}/${name}` },
    );
  }
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'kedge' } },
    type: 'Opaque',
    stringData: { [key]: randomBytes(32).toString('hex') },
  };
  await kubectl(['create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
    input: JSON.stringify(secret),
  });
  return 'created';
}
