// Per-node revocation, kept in the store so every replica and both backends
// see it: the ConfigMap kubeedge/kedge-node-revocations maps a node name to
// the time it was revoked (RFC 3339, milliseconds). A certificate for that
// node dated at or before that time, and a join token issued before it, are
// refused; a node joined again after it (a new token, a new certificate)
// connects as before. `keadm revoke --node N` writes a record, and so does
// cloudcore when a Node is deleted.
import { hasCode, type ConfigMap } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { createInformer, mutate, type ResourceStore } from '@kedge/store';

export const NODE_REVOCATIONS = {
  namespace: 'kubeedge',
  name: 'kedge-node-revocations',
  label: 'kedge.io/node-revocations',
} as const;

/** Records that node `node` is revoked as of `atMs` (a later record wins; an earlier one is kept). */
export async function revokeNode(store: ResourceStore, node: string, atMs: number): Promise<void> {
  const { namespace, name, label } = NODE_REVOCATIONS;
  const at = new Date(atMs).toISOString();
  const set = (cm: ConfigMap): ConfigMap | undefined => {
    const previous = cm.data?.[node];
    if (previous !== undefined && Date.parse(previous) >= atMs) return undefined;
    return { ...cm, data: { ...cm.data, [node]: at } };
  };
  if ((await store.get('ConfigMap', name, namespace)) === undefined) {
    try {
      await store.create('ConfigMap', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: { [label]: 'true', 'app.kubernetes.io/part-of': 'kedge' } },
        data: { [node]: at },
      });
      return;
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
    }
  }
  await mutate(store, 'ConfigMap', name, set, { namespace });
}

/** A live view of the revocation records, kept current by a watch. */
export class NodeRevocations {
  readonly #records = new Map<string, number>();
  readonly #listeners: ((node: string, atMs: number) => void)[] = [];

  /** Starts watching; resolves once the current records are loaded. */
  async start(store: ResourceStore, log: Logger, signal: AbortSignal): Promise<void> {
    const informer = createInformer(store, 'ConfigMap', {
      namespace: NODE_REVOCATIONS.namespace,
      labelSelector: `${NODE_REVOCATIONS.label}=true`,
      signal,
      log,
      onEvent: (e) => {
        if (e.object.metadata.name !== NODE_REVOCATIONS.name) return;
        this.apply(e.type === 'DELETED' ? {} : (e.object.data ?? {}), log);
      },
    });
    await informer.synced;
  }

  /** When node `node` was revoked (ms), or undefined. */
  revokedAt(node: string): number | undefined {
    return this.#records.get(node);
  }

  /** Called for every new or later revocation. */
  onRevoked(listener: (node: string, atMs: number) => void): void {
    this.#listeners.push(listener);
  }

  private apply(data: Record<string, string>, log: Logger): void {
    const seen = new Set<string>();
    for (const [node, value] of Object.entries(data)) {
      const at = Date.parse(value);
      if (Number.isNaN(at)) {
        log.warn({ node }, `${NODE_REVOCATIONS.name}: ignoring a record that is not a time`);
        continue;
      }
      seen.add(node);
      const before = this.#records.get(node);
      this.#records.set(node, at);
      if (before === undefined || at > before) for (const l of this.#listeners) l(node, at);
    }
    for (const node of [...this.#records.keys()]) if (!seen.has(node)) this.#records.delete(node);
  }
}

/** Why a credential dated `issuedAtMs` is no good for node `node`, or undefined. */
export function revocationProblem(
  revocations: NodeRevocations,
  node: string,
  issuedAtMs: number,
  what: string,
): string | undefined {
  const at = revocations.revokedAt(node);
  if (at === undefined || issuedAtMs > at) return undefined;
  return `node ${node} was revoked at ${new Date(at).toISOString()}; its ${what} predates that (join it again)`;
}
