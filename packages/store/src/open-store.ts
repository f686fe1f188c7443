// Opens the backend a daemon's `store:` config section names.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@kedge/runtime';
import type { StoreConfig } from './store-config.ts';
import { openKubernetesStore } from './kubernetes/open-kubernetes-store.ts';
import type { ResourceStore } from './resource-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

export async function openStore(config: StoreConfig, log: Logger): Promise<ResourceStore> {
  switch (config.backend) {
    case 'sqlite':
      mkdirSync(dirname(config.sqlite.path), { recursive: true });
      return openSqliteStore({
        path: config.sqlite.path,
        log: log.child({ module: 'store' }),
        eventTtlMs: config.sqlite.eventTTL * 1000,
      });
    case 'kubernetes':
      return openKubernetesStore({
        ...(config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}),
        inCluster: config.kubernetes.inCluster,
        log,
      });
  }
}
