// Which Secrets an ImagePrePullJob may name in `imageSecrets`. Jobs are
// cluster-scoped and cloudcore reads the Secret with its own credentials, so
// without a bound a job author could have cloudcore fetch any Secret of the
// cluster (say one in kube-system) and ship it to the nodes. The bound is a
// list of namespaces in the cloud processes' config (controllermanager
// `nodeTask.imageSecretNamespaces`, cloudcore
// `modules.taskManager.imageSecretNamespaces`); the controller refuses a job
// naming another namespace, and cloudcore refuses to read one.
import { KedgeError } from './errors.ts';

/** The namespaces allowed when the config does not say: KubeEdge's own. */
export const DEFAULT_IMAGE_SECRET_NAMESPACES: readonly string[] = Object.freeze(['kubeedge']);

const IMAGE_SECRETS_FIELD = 'spec.imagePrePullTemplate.imageSecrets';

/** `<namespace>/<name>` split; namespace '' when the ref has no slash. */
export function splitSecretRef(ref: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  return slash < 0
    ? { namespace: '', name: ref }
    : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/**
 * The coded refusal for a pull secret outside `allowed`, or undefined when
 * `ref` is absent or its namespace is allowed.
 */
export function imageSecretScopeError(
  ref: string | undefined,
  allowed: readonly string[],
  setting: string,
): KedgeError | undefined {
  if (ref === undefined || ref === '') return undefined;
  const { namespace } = splitSecretRef(ref);
  if (allowed.includes(namespace)) return undefined;
  const list = allowed.length > 0 ? allowed.join(', ') : '(none)';
  const problem =
    `Secret ${ref} is in namespace "${namespace}", which is not one pull secrets may come from ` +
    `(${setting}: ${list}); move the Secret there or ask the cloud admin to allow the namespace`;
  return new KedgeError('KEDGE_TASK_SECRET_FORBIDDEN', `${IMAGE_SECRETS_FIELD}: ${problem}`, {
    fields: [`${IMAGE_SECRETS_FIELD}: ${problem}`],
    resource: `Secret/${ref}`,
  });
}
