// The labels of a registering node: the cloud's role labels, plus the labels
// the node asked for that it may set on itself (screenNodeSelfLabels). An
// admin's label always wins: a key the Node already has that the node did not
// set itself earlier (annotation kedge.io/node-set-labels) is never
// overwritten. Everything refused is returned with why, for the log and an Event.
import { NodeLabels, screenNodeSelfLabels, type RefusedLabel } from '@kedge/api';

/** Keys this node set on itself, comma separated, so a later registration may change them. */
export const NODE_SET_LABELS_ANNOTATION = 'kedge.io/node-set-labels';

export interface RegisteredLabels {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  refused: RefusedLabel[];
}

export function registeredLabels(
  stored: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined },
  requested: Readonly<Record<string, string>>,
): RegisteredLabels {
  const { allowed, refused } = screenNodeSelfLabels(requested);
  const labels: Record<string, string> = { ...stored.labels };
  const ownedBefore = new Set(
    (stored.annotations?.[NODE_SET_LABELS_ANNOTATION] ?? '').split(',').filter((k) => k.length > 0),
  );
  const owned = new Set([...ownedBefore].filter((k) => k in labels));
  for (const [key, value] of Object.entries(allowed)) {
    const adminSet = key in labels && !ownedBefore.has(key);
    if (adminSet) {
      if (labels[key] !== value)
        refused.push({ key, why: `set by an admin to ${JSON.stringify(labels[key])}` });
      continue;
    }
    labels[key] = value;
    owned.add(key);
  }
  labels[NodeLabels.edge] = '';
  labels[NodeLabels.agent] = '';
  const annotations: Record<string, string> = { ...stored.annotations };
  if (owned.size > 0) annotations[NODE_SET_LABELS_ANNOTATION] = [...owned].sort().join(',');
  else delete annotations[NODE_SET_LABELS_ANNOTATION];
  return { labels, annotations, refused };
}
