// A pod's status on its way to the cloud: a sync `update` of
// `<ns>/podstatus/<name>` from `edged`, content as KubeEdge's
// PodStatusRequest ({UID, Name, Status}). It goes through the outbox with
// EdgeReporter.latest, so a status not yet acked is sent again after a
// reconnect, and a newer status replaces the pending one of the same pod
// instead of queueing behind it.
import { EdgeModules, Operations, ResourceTypes, WireGroups, edgeResource, newMessage } from '@kedge/api';
import type { Message } from '@kedge/api';
import type { Reports } from '../reporting/edge-reporter.ts';
import { podNamespace, type EdgePod, type PodStatus } from './pod-spec.ts';
import type { StatusSink } from './status-coalescer.ts';

/** Content of a podstatus message (KubeEdge's field names). */
export interface PodStatusRequest {
  UID: string;
  Name: string;
  Status: PodStatus;
}

function podStatusMessage(pod: EdgePod, status: PodStatus, now: number): Message {
  const content: PodStatusRequest = { UID: pod.metadata.uid ?? '', Name: pod.metadata.name, Status: status };
  return newMessage({
    source: EdgeModules.edged,
    group: WireGroups.resource,
    operation: Operations.update,
    resource: edgeResource(podNamespace(pod), ResourceTypes.podstatus, pod.metadata.name),
    content,
    sync: true,
    now,
  });
}

/** The coalescer's sink for one pod: durable in the outbox before it resolves. */
export function podStatusSink(reports: Reports, pod: EdgePod, now: () => number): StatusSink {
  return async (status) => reports.latest(podStatusMessage(pod, status, now()));
}
