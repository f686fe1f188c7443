// The two writes a NodeGroup makes on a Node, each a conflict-checked
// read-modify-write (mutate): claiming adds the group labels unless another
// group's label is there (so of two groups racing for a node only one wins),
// releasing removes them.
import { isDeepStrictEqual } from 'node:util';
import { NodeGroupLabels } from '@kedge/api';
import { mutate, type ResourceStore } from '@kedge/store';
import { memberLabels, releasedLabels } from './plan-membership.ts';

/** Labels the node for the group; resolves with why it could not, or undefined. */
export async function claimNode(
  store: ResourceStore,
  nodeName: string,
  group: string,
  topology: boolean,
): Promise<string | undefined> {
  let failure: string | undefined;
  const stored = await mutate(store, 'Node', nodeName, (node) => {
    failure = undefined;
    const labels = node.metadata.labels ?? {};
    const other = labels[NodeGroupLabels.belongingTo];
    if (other !== undefined && other !== group) {
      failure = `node ${nodeName} already belongs to NodeGroup ${other}`;
      return undefined;
    }
    const next = memberLabels(labels, group, topology);
    if (isDeepStrictEqual(next, labels)) return undefined;
    node.metadata.labels = next;
    return node;
  });
  return stored === undefined ? `node ${nodeName} does not exist` : failure;
}

/** Removes the group's labels; resolves true when the node was the group's. */
export async function releaseNode(store: ResourceStore, nodeName: string, group: string): Promise<boolean> {
  let released = false;
  await mutate(store, 'Node', nodeName, (node) => {
    const labels = node.metadata.labels ?? {};
    released = labels[NodeGroupLabels.belongingTo] === group;
    if (!released) return undefined;
    node.metadata.labels = releasedLabels(labels, group);
    return node;
  });
  return released;
}
