// The node heartbeat Kubernetes controllers read: one coordination.k8s.io
// Lease per node in `kube-node-lease`, named after the node, held by it and
// renewed while the node's session lives, as kubelet renews it (every quarter
// of leaseDurationSeconds, 40 s by default). kube-controller-manager's
// node-lifecycle controller counts a node as alive while its Lease is
// renewed; without it (and no fresh Ready heartbeat) it marks the node
// Unknown, taints it unreachable and evicts its pods. KubeEdge's edged sends
// the Lease up the tunnel and cloudcore writes it; here the session itself
// is the proof of life, so cloudcore renews for the nodes connected to it.
// Like kubelet, it keeps the Lease it last wrote: a renewal is one update
// with that resourceVersion, and only a conflict (someone else wrote it)
// costs a read.
import { hasCode, microTime, type Lease, type Node } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** modules.cloudHub.nodeLease.enable, with auto resolved: on with a kube-apiserver, off with sqlite. */
export function nodeLeaseOn(enable: boolean | 'auto', backend: 'sqlite' | 'kubernetes'): boolean {
  return enable === 'auto' ? backend === 'kubernetes' : enable;
}

export interface NodeLeasesOptions {
  store: ResourceStore;
  /** leaseDurationSeconds written on every Lease; renewed every quarter of it. */
  durationSeconds: number;
  clock: Clock;
  log: Logger;
}

export class NodeLeases {
  private readonly o: NodeLeasesOptions;
  private readonly log: Logger;
  private readonly lastRenew = new Map<string, number>();
  /** The Lease as last written here, by node. */
  private readonly latest = new Map<string, Lease>();

  constructor(options: NodeLeasesOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'nodelease' });
  }

  get renewIntervalMs(): number {
    return (this.o.durationSeconds * 1000) / 4;
  }

  /** Renews the node's Lease when a quarter of its duration passed since the last renewal here. */
  async renewIfDue(name: string): Promise<void> {
    const now = this.o.clock.now();
    if (now - (this.lastRenew.get(name) ?? -Infinity) < this.renewIntervalMs) return;
    await this.renew(name, now);
    this.lastRenew.set(name, now);
  }

  /** The node left this replica: the next session renews at once. */
  forget(nodeName: string): void {
    this.lastRenew.delete(nodeName);
    this.latest.delete(nodeName);
  }

  private async renew(name: string, now: number): Promise<void> {
    const { store } = this.o;
    const cached = this.latest.get(name);
    this.latest.delete(name);
    if (cached) {
      try {
        this.latest.set(name, await store.update('Lease', { ...cached, spec: this.spec(cached, name, now) }));
        return;
      } catch (err) {
        // Written or deleted by someone else since: read it again below.
        if (!hasCode(err, 'KEDGE_STORE_CONFLICT') && !hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
      }
    }
    const written = (await this.renewStored(name, now)) ?? (await this.create(name, now));
    if (written) this.latest.set(name, written);
  }

  /** Renews the stored Lease (read, then update); undefined when there is none. */
  private renewStored(name: string, now: number): Promise<Lease | undefined> {
    return mutate(this.o.store, 'Lease', name, (lease) => ({ ...lease, spec: this.spec(lease, name, now) }), {
      namespace: NODE_LEASE_NAMESPACE,
    });
  }

  private async create(name: string, now: number): Promise<Lease | undefined> {
    const node = await this.o.store.get('Node', name);
    if (!node) return undefined; // deleted: its credentials are revoked, nothing to renew
    try {
      const created = await this.o.store.create('Lease', this.newLease(node, now));
      this.log.info({ node: name }, `created the node Lease ${NODE_LEASE_NAMESPACE}/${name}`);
      return created;
    } catch (err) {
      // Another replica (or a previous session) created it meanwhile: renew that one.
      if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
      return this.renewStored(name, now);
    }
  }

  private spec(lease: Lease, nodeName: string, now: number): Lease['spec'] {
    return {
      ...lease.spec,
      holderIdentity: nodeName,
      leaseDurationSeconds: this.o.durationSeconds,
      renewTime: microTime(new Date(now)),
    };
  }

  private newLease(node: Node, now: number): Lease {
    const name = node.metadata.name;
    const uid = node.metadata.uid;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: NODE_LEASE_NAMESPACE,
        // As kubelet does: the Lease goes with its Node (garbage collector).
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}),
      },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: this.o.durationSeconds,
        renewTime: microTime(new Date(now)),
      },
    };
  }
}
