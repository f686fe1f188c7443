// applyOne against a real SQLite store, with a second real writer that
// changes the object between apply's read and its write.
import { join } from 'node:path';
import type { Node } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../apply-merge.ts';
import { applyOne, type ApplyItem } from './apply.ts';

function item(labels: Record<string, string>): ApplyItem {
  return {
    where: 'node.yaml',
    kind: 'Node',
    name: 'edge-1',
    namespace: undefined,
    manifest: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1', labels } },
  };
}

describe('applyOne', () => {
  it('re-reads and retries when another writer updates the object first', async () => {
    await using dir = await tempDir();
    const path = join(dir.path, 'kedge.db');
    const store = openSqliteStore({ path });
    const other = openSqliteStore({ path });
    try {
      expect(await applyOne(store, item({ zone: 'a' }))).toBe('created');

      // The first update apply attempts is preceded by a real write from another handle.
      let interfered = false;
      const racing: ResourceStore = {
        get: (kind, name, namespace) => store.get(kind, name, namespace),
        list: (kind, options) => store.list(kind, options),
        create: (kind, object) => store.create(kind, object),
        updateStatus: (kind, object) => store.updateStatus(kind, object),
        delete: (kind, name, namespace, options) => store.delete(kind, name, namespace, options),
        watch: (kind, options) => store.watch(kind, options),
        close: () => store.close(),
        update: async (kind, object) => {
          if (!interfered) {
            interfered = true;
            const current = (await other.get('Node', 'edge-1')) as Node;
            current.metadata.labels = { ...current.metadata.labels, owner: 'controller' };
            await other.update('Node', current);
          }
          return store.update(kind, object);
        },
      };

      expect(await applyOne(racing, item({ zone: 'b' }))).toBe('configured');
      expect(interfered).toBe(true);
      const node = (await store.get('Node', 'edge-1')) as Node;
      expect(node.metadata.labels).toEqual({ zone: 'b', owner: 'controller' });
      expect(node.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toContain('"zone":"b"');
      expect(await applyOne(store, item({ zone: 'b' }))).toBe('unchanged');
    } finally {
      await other.close();
      await store.close();
    }
  });
});
