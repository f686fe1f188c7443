import { createObserved } from '@kedge/store';
import type { Node } from '@kedge/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeNode, startHarness, type Harness } from '../../test/cm-harness.ts';
import { freshNodeLookup } from './fresh-node-lookup.ts';
import { selectNodes, type NodeLookup } from './select-nodes.ts';

/** A Node cache as an informer holds it, a step behind the store. */
function cacheOf(nodes: Node[]): NodeLookup {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  return { get: (name) => byName.get(name), list: () => [...byName.values()] };
}

describe('freshNodeLookup', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('reads named nodes the cache has not seen, or not yet Ready, from the store', async () => {
    await createObserved(h.store, 'Node', makeNode('new'));
    await createObserved(h.store, 'Node', makeNode('ready-now'));
    const cache = cacheOf([makeNode('ready-now', { ready: 'none' }), makeNode('known')]);
    const nodes = await freshNodeLookup({ nodeNames: ['new', 'ready-now', 'known', 'gone'] }, cache, h.store);
    const selection = selectNodes({ nodeNames: ['new', 'ready-now', 'known', 'gone'] }, nodes);
    expect(selection).toEqual({
      ok: true,
      entries: [
        { nodeName: 'new', phase: 'Pending' },
        { nodeName: 'ready-now', phase: 'Pending' },
        { nodeName: 'known', phase: 'Pending' },
        { nodeName: 'gone', phase: 'Failure', reason: 'node gone does not exist' },
      ],
    });
  });

  it('answers a label selector from the store, so a node created with the job is selected', async () => {
    await createObserved(h.store, 'Node', makeNode('with-the-job', { labels: { site: 'north' } }));
    await createObserved(h.store, 'Node', makeNode('elsewhere', { labels: { site: 'south' } }));
    const cache = cacheOf([makeNode('elsewhere', { labels: { site: 'south' } })]); // not caught up
    const rollout = { labelSelector: { matchLabels: { site: 'north' } } };
    const selection = selectNodes(rollout, await freshNodeLookup(rollout, cache, h.store));
    expect(selection).toEqual({ ok: true, entries: [{ nodeName: 'with-the-job', phase: 'Pending' }] });
  });

  it('keeps the cache when every named node is runnable there', async () => {
    const cache = cacheOf([makeNode('a')]);
    expect(await freshNodeLookup({ nodeNames: ['a'] }, cache, h.store)).toBe(cache);
  });
});
