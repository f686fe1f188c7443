// What a node must hold before it gets its task. For an ImagePrePullJob with
// `imageSecrets` ("<namespace>/<name>"), that is the pull Secret: it is sent
// through the tunnel as a resource message `insert <ns>/secret/<name>` right
// before the task, so the node's metaManager stores it in the edge cache
// (and acks it) and the PrePull action reads it from there. Nothing else
// carries the credentials to the node, and nothing on the node writes them
// anywhere but that cache. Only Secrets in the allowed namespaces are read at
// all (modules.taskManager.imageSecretNamespaces): the controller refuses
// other jobs, and this is the second line should one get past it.
import {
  CloudModules,
  edgeResource,
  errorMessage,
  imageSecretScopeError,
  type Message,
  newMessage,
  type NodeTaskJob,
  Operations,
  type Secret,
  splitSecretRef,
  WireGroups,
} from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';

/** Builds the messages a node gets before its task (fresh ids per node). */
export type TaskPrelude = (node: string, now: number) => Message[];

/** The job's prelude, read from the store now; undefined when the job needs none. */
export async function loadTaskPrelude(
  store: ResourceStore,
  job: NodeTaskJob,
  log: Logger,
  options: { allowedNamespaces: readonly string[] },
): Promise<TaskPrelude | undefined> {
  if (job.kind !== 'ImagePrePullJob') return undefined;
  const ref = job.spec.imagePrePullTemplate.imageSecrets;
  if (!ref) return undefined;
  const refused = imageSecretScopeError(
    ref,
    options.allowedNamespaces,
    'modules.taskManager.imageSecretNamespaces',
  );
  if (refused !== undefined) {
    // Not read, not sent: the nodes' Check fails because the secret never arrived.
    log.error({ job: job.metadata.name, secret: ref, code: refused.code }, refused.message);
    return undefined;
  }
  const { namespace, name } = splitSecretRef(ref);
  let secret: Secret | undefined;
  try {
    secret = await store.get('Secret', name, namespace);
  } catch (err: unknown) {
    log.warn(
      { job: job.metadata.name, secret: ref, err: errorMessage(err) },
      'pull secret could not be read',
    );
    throw err;
  }
  if (!secret) {
    // The task still goes out: the node's Check fails and says the secret never arrived.
    log.warn(
      { job: job.metadata.name, secret: ref },
      `pull secret ${ref} does not exist; nodes will fail Check`,
    );
    return undefined;
  }
  const found = secret;
  return (_node, now) => [secretMessage(found, namespace, name, now)];
}

function secretMessage(secret: Secret, namespace: string, name: string, now: number): Message {
  const rv = secret.metadata.resourceVersion;
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.resource,
    operation: Operations.insert,
    resource: edgeResource(namespace, 'secret', name),
    content: secret,
    ...(rv ? { resourceVersion: rv } : {}),
    now,
  });
}
