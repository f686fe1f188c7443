// POST /api/v1/namespaces/{ns}/events on metaServer: local programs (and
// edgecore itself) report Kubernetes Events to the cloud through the outbox,
// so an event raised while the node is offline still arrives, exactly once.
import { randomBytes } from 'node:crypto';
import {
  Operations,
  WireGroups,
  EdgeModules,
  KedgeError,
  edgeResource,
  newMessage,
  rfc3339,
  validateAs,
  type ResourceOf,
} from '@kedge/api';
import type { EdgeReporter } from './edge-reporter.ts';

export type EventInput = Partial<ResourceOf<'Event'>> & Record<string, unknown>;

/** Completes an Event a node reports about itself (name, source, times). */
function nodeEvent(nodeName: string, namespace: string, input: EventInput, now: Date): ResourceOf<'Event'> {
  const time = rfc3339(now);
  const name =
    input.metadata?.name ?? `${nodeName}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
  return validateAs(
    'Event',
    {
      type: 'Normal',
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      involvedObject: { kind: 'Node', name: nodeName },
      ...input,
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { ...input.metadata, name, namespace },
      source: { component: 'edgecore', host: nodeName },
    },
    `event from node ${nodeName}`,
  );
}

export async function reportEvent(
  reporter: EdgeReporter,
  nodeName: string,
  namespace: string,
  input: EventInput,
  now: Date,
): Promise<ResourceOf<'Event'>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KedgeError('KEDGE_RESOURCE_INVALID', 'event body must be a JSON object');
  }
  const event = nodeEvent(nodeName, namespace, input, now);
  await reporter.report(
    newMessage({
      source: EdgeModules.metaServer,
      group: WireGroups.resource,
      operation: Operations.insert,
      resource: edgeResource(namespace, 'event', event.metadata.name),
      content: event,
      sync: true,
    }),
  );
  return event;
}
