// keadm revoke --node NAME: refuses one node from now on without touching
// the rest of the fleet. Every cloudcore replica ends the node's live
// session; its certificates and every join token issued before now are
// refused until it is joined again with a new token (keadm gettoken, keadm
// join). Writes the record to kubeedge/kedge-node-revocations in the store:
// the embedded SQLite file (--store, default as cloudcore's) or, with
// --kubeconfig, the cluster.
import { existsSync } from 'node:fs';
import { KedgeError, NAME_PATTERN } from '@kedge/api';
import { NODE_REVOCATIONS, revokeNode } from '@kedge/cloudcore';
import { createLogger } from '@kedge/runtime';
import { openKubernetesStore, openSqliteStore, type ResourceStore } from '@kedge/store';
import { DEFAULT_STORE_PATH } from '../kedgectl/context.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

const REVOKE_USAGE = `usage: keadm revoke --node NAME [--store FILE | --kubeconfig FILE]
Refuses node NAME from now on: its session ends, its certificates and older join tokens are refused
until it is joined again with a new token. Other nodes are not touched.
  --node NAME        the node to revoke
  --store FILE       embedded mode: cloudcore's SQLite store (default $KEDGE_STORE_PATH or ${DEFAULT_STORE_PATH})
  --kubeconfig FILE  cluster mode: write to the cluster instead
`;

const OPTIONS = {
  node: { type: 'string' },
  store: { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runRevoke(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, REVOKE_USAGE);
  if (values.help) {
    io.stdout.write(REVOKE_USAGE);
    return 0;
  }
  const node = values.node;
  if (!node || !NAME_PATTERN.test(node)) throw usageError('--node: required, a node name', REVOKE_USAGE);
  if (values.store !== undefined && values.kubeconfig !== undefined) {
    throw usageError('--store and --kubeconfig: give one of them', REVOKE_USAGE);
  }
  const log = createLogger({ name: 'keadm', level: io.env.KEDGE_LOG_LEVEL ?? 'warn', destination: 2 });
  let store: ResourceStore;
  if (values.kubeconfig !== undefined) {
    store = await openKubernetesStore({ kubeconfig: values.kubeconfig, log });
  } else {
    const path = values.store || io.env.KEDGE_STORE_PATH || DEFAULT_STORE_PATH;
    if (!existsSync(path)) {
      throw new KedgeError('KEDGE_STORE_UNAVAILABLE', `--store: ${path} does not exist`, { file: path });
    }
    store = openSqliteStore({ path, log });
  }
  try {
    const at = io.clock.now();
    await revokeNode(store, node, at);
    io.stdout.write(
      `node ${node} revoked at ${new Date(at).toISOString()} ` +
        `(${NODE_REVOCATIONS.namespace}/${NODE_REVOCATIONS.name}); join it again with a new token\n`,
    );
  } finally {
    await store.close();
  }
  return 0;
}
