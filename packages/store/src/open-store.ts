// Opens the backend a daemon's `store:` config section names.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KedgeError } from '@kedge/api';
import type { Logger, StoreConfig } from '@kedge/runtime';
import type { ResourceStore } from './resource-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

export async function openStore(config: StoreConfig, log: Logger): Promise<ResourceStore> {
  switch (config.backend) {
    case 'sqlite':
      mkdirSync(dirname(config.sqlite.path), { recursive: true });
      return openSqliteStore({ path: config.sqlite.path, log: log.child({ module: 'store' }) });
    case 'kubernetes':
      throw new KedgeError(
        'KEDGE_CONFIG_INVALID',
        'store.backend: kubernetes is not available in this build yet',
        {
          fields: ['store.backend'],
        },
      );
  }
}
