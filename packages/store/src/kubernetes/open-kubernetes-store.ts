// The Kubernetes backend's entry point. The client libraries take most of a
// second to load, so they are loaded only when a process opens this backend:
// every daemon imports @kedge/store, few of them talk to a kube-apiserver.
import type { ResourceStore } from '../resource-store.ts';
import type { KubernetesStoreOptions } from './kubernetes-store.ts';

export type { KubernetesStoreOptions };

export async function openKubernetesStore(options: KubernetesStoreOptions): Promise<ResourceStore> {
  const { connectKubernetesStore } = await import('./kubernetes-store.ts');
  return connectKubernetesStore(options);
}
