// Cloud -> edge node-task messages (docs/node-tasks.md, Wire): the task itself
// (operation = the flow's first action) and the operator's confirmation.
// The task carries the job's spec without its node selection (nodeNames,
// labelSelector): the node does not need it, and with nodeNames a job over N
// nodes would send N names to each of the N nodes, O(N^2) bytes in all.
// A NodeUpgradeJob's release pin (annotation operations.kedge.io/release-pin,
// written by controllermanager when the job started) becomes its spec.image
// and spec.imageDigestGatter, so the node installs exactly the release
// resolved then.
import {
  ACTION_FLOWS,
  CloudModules,
  NodeTaskOperations,
  RELEASE_PIN_ANNOTATION,
  WireGroups,
  newMessage,
  nodeTaskResource,
  taskTypeOf,
  type Message,
  type NodeTaskJob,
  type NodeTaskRequest,
} from '@kedge/api';

export function taskMessage(job: NodeTaskJob, node: string, now: number): Message {
  const type = taskTypeOf(job.kind);
  const content: NodeTaskRequest = { jobUid: job.metadata.uid ?? '', spec: edgeSpec(job) };
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.taskManager,
    operation: ACTION_FLOWS[type].first,
    resource: nodeTaskResource(type, job.metadata.name, node),
    content,
    now,
  });
}

export function confirmMessage(job: NodeTaskJob, node: string, now: number): Message {
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.taskManager,
    operation: NodeTaskOperations.confirm,
    resource: nodeTaskResource(taskTypeOf(job.kind), job.metadata.name, node),
    content: { jobUid: job.metadata.uid ?? '' },
    now,
  });
}

/** The spec a node gets: the stored one minus node selection (for ImagePrePullJob, inside the template). */
export function edgeSpec(job: NodeTaskJob): Record<string, unknown> {
  if (job.kind === 'ImagePrePullJob') {
    const { nodeNames: _n, labelSelector: _l, ...template } = job.spec.imagePrePullTemplate;
    return { ...job.spec, imagePrePullTemplate: template };
  }
  const { nodeNames: _n, labelSelector: _l, ...spec } = job.spec;
  const pin = job.metadata.annotations?.[RELEASE_PIN_ANNOTATION];
  if (job.kind !== 'NodeUpgradeJob' || pin === undefined) return spec;
  const own = job.spec.imageDigestGatter;
  if (own?.amd64 || own?.arm64 || own?.value) return spec; // the author pinned it
  const at = pin.lastIndexOf('@');
  if (at <= 0) return spec; // not a pin controllermanager wrote: the node refuses the unpinned release
  const digest = pin.slice(at + 1);
  return { ...spec, image: pin.slice(0, at), imageDigestGatter: { ...own, amd64: digest, arm64: digest } };
}
