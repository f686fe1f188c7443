// What controllermanager writes into a job before anything else: the
// finalizer of its kind and every rollout default the author left out, so
// the stored spec says what is in force.
import { nodeTaskDefaults } from '../resources/node-task-common.ts';
import type { NodeTaskKind } from './flow.ts';
import { finalizerOf, rolloutOf, type NodeTaskJob } from './job.ts';

/**
 * A copy of `job` with the finalizer and every missing rollout default in
 * place, or undefined when both are there already.
 */
export function withFinalizerAndDefaults<J extends NodeTaskJob>(job: J): J | undefined {
  const finalizer = finalizerOf(job.kind as NodeTaskKind);
  const finalizers = job.metadata.finalizers ?? [];
  const hasFinalizer = finalizers.includes(finalizer);
  const rollout = rolloutOf(job);
  const missing: { failureTolerate?: string; timeoutSeconds?: number; concurrency?: number } = {};
  if (rollout.failureTolerate === undefined) missing.failureTolerate = nodeTaskDefaults.failureTolerate;
  if (rollout.timeoutSeconds === undefined) missing.timeoutSeconds = nodeTaskDefaults.timeoutSeconds;
  if (rollout.concurrency === undefined) missing.concurrency = nodeTaskDefaults.concurrency;
  if (hasFinalizer && Object.keys(missing).length === 0) return undefined;
  const metadata = hasFinalizer ? job.metadata : { ...job.metadata, finalizers: [...finalizers, finalizer] };
  if (job.kind === 'ImagePrePullJob') {
    const template = { ...job.spec.imagePrePullTemplate, ...missing };
    return { ...job, metadata, spec: { ...job.spec, imagePrePullTemplate: template } } as J;
  }
  return { ...job, metadata, spec: { ...job.spec, ...missing } } as J;
}

/** A copy of `job` without the finalizer, or undefined when it has none. */
export function withoutFinalizer<J extends NodeTaskJob>(job: J): J | undefined {
  const finalizer = finalizerOf(job.kind as NodeTaskKind);
  const finalizers = job.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return undefined;
  return { ...job, metadata: { ...job.metadata, finalizers: finalizers.filter((f) => f !== finalizer) } };
}
