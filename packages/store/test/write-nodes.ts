// The write pattern both processes of the two-process test run: per Node a
// create, a label update and, for every other one, a delete, with a short
// pause between writes so the two processes interleave.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceStore, WatchEventType } from '../src/resource-store.ts';

/** [revision, type, name] as a watcher saw it. */
export type SeenEvent = [number, WatchEventType, string];

/** Events writeNodes(count) produces. */
export function eventsPerWriter(count: number): number {
  return count * 2 + Math.ceil(count / 2);
}

export async function writeNodes(
  store: ResourceStore,
  label: string,
  prefix: string,
  count: number,
): Promise<void> {
  const [key = '', value = ''] = label.split('=');
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    const created = await store.create('Node', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { [key]: value } },
    });
    await sleep(1);
    await store.update('Node', {
      ...created,
      metadata: { ...created.metadata, labels: { [key]: value, step: '2' } },
    });
    if (i % 2 === 0) await store.delete('Node', name);
    await sleep(1);
  }
}
