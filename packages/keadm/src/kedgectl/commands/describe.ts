// kedgectl describe pod|node|deployment NAME: one object in kubectl's
// describe layout, with the Events about it from the store (oldest first).
import {
  KedgeError,
  kinds,
  type AnyResource,
  type Deployment,
  type Event,
  type KindName,
  type Node,
  type Pod,
  type ReplicaSet,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { withStore, type CommandContext } from '../context.ts';
import { describeDeployment } from '../describe/deployment.ts';
import { describeNode } from '../describe/node.ts';
import { describePod } from '../describe/pod.ts';

const DESCRIBABLE: readonly KindName[] = ['Pod', 'Node', 'Deployment'];

export interface DescribeOptions {
  kind: KindName;
  name: string;
}

async function eventsAbout(store: ResourceStore, object: AnyResource, kind: string): Promise<Event[]> {
  const { items } = await store.list('Event', { namespace: object.metadata.namespace });
  return (items as Event[]).filter((e) => {
    const ref = e.involvedObject;
    if (ref.kind !== kind || ref.name !== object.metadata.name) return false;
    return !ref.uid || !object.metadata.uid || ref.uid === object.metadata.uid;
  });
}

export async function runDescribe(ctx: CommandContext, options: DescribeOptions): Promise<number> {
  if (!DESCRIBABLE.includes(options.kind)) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `describe: ${kinds[options.kind].plural} cannot be described (one of: pods, nodes, deployments)`,
    );
  }
  const k = kinds[options.kind];
  const namespace = k.scope === 'Namespaced' ? (ctx.namespace ?? 'default') : undefined;
  return withStore(ctx, { create: false }, async (store) => {
    const object = await store.get(options.kind, options.name, namespace);
    if (!object) {
      throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${k.kind} "${options.name}" not found`, {
        resource: `${k.kind}/${options.name}`,
      });
    }
    const events = await eventsAbout(store, object, k.kind);
    const now = ctx.io.now();
    let text: string;
    if (options.kind === 'Pod') {
      text = describePod(object as Pod, events, now);
    } else if (options.kind === 'Node') {
      const pods = (await store.list('Pod', {})).items as Pod[];
      text = describeNode(
        object as Node,
        pods.filter((p) => p.spec.nodeName === options.name),
        events,
        now,
      );
    } else {
      const d = object as Deployment;
      const all = (await store.list('ReplicaSet', { namespace })).items as ReplicaSet[];
      const owned = all.filter((rs) =>
        rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === d.metadata.uid),
      );
      text = describeDeployment(d, owned, events, now);
    }
    ctx.io.stdout.write(text);
    return 0;
  });
}
