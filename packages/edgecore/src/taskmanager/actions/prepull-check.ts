// Check for ImagePrePullJob: the spec is valid, the `checkItems` loads are
// within their limits, the container runtime answers on its CRI socket
// (Version), and the pull secret, when the job names one, is in the edge
// cache and parses. Every failed check is listed in one reason.
import { errorMessage } from '@kedge/api';
import { CriClient } from '../../cri/index.ts';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { checkLoad } from './load-checks.ts';
import type { NodeTaskEnv } from './node-task-env.ts';
import { loadPullCredentials } from './pull-secret.ts';
import { imagePrePullTemplate } from './task-spec.ts';

export function prePullCheck(env: NodeTaskEnv): TaskAction {
  return {
    async run(ctx: ActionContext): Promise<ActionOutcome> {
      const spec = imagePrePullTemplate(ctx.task);
      const problems = await checkLoad(spec.checkItems ?? [], {
        limits: env.limits,
        diskPath: '/',
        clock: env.clock,
        signal: ctx.signal,
        ...(env.cpuSampleMs === undefined ? {} : { cpuSampleMs: env.cpuSampleMs }),
      });
      const runtime = await runtimeProblem(env, ctx);
      if (runtime) problems.push(runtime);
      if (spec.imageSecrets) {
        try {
          await loadPullCredentials(spec.imageSecrets, {
            meta: env.meta,
            clock: env.clock,
            waitMs: env.prePull.secretWaitMs,
            signal: ctx.signal,
          });
        } catch (err: unknown) {
          if (ctx.signal.aborted) throw err;
          problems.push(errorMessage(err));
        }
      }
      if (problems.length > 0) return finished(false, problems.join('; '));
      return finished(true);
    },
  };
}

/** Why the runtime cannot be used (the reason names its socket), or undefined when it answered. */
async function runtimeProblem(env: NodeTaskEnv, ctx: ActionContext): Promise<string | undefined> {
  let client: CriClient;
  try {
    client = new CriClient({ endpoint: env.containerRuntimeEndpoint });
  } catch (err: unknown) {
    return errorMessage(err);
  }
  try {
    const v = await client.version({ signal: ctx.signal, timeoutMs: env.prePull.versionTimeoutMs });
    ctx.log.info(
      {
        endpoint: env.containerRuntimeEndpoint,
        runtime: `${v.runtimeName} ${v.runtimeVersion}`,
        cri: v.runtimeApiVersion,
      },
      'container runtime answered',
    );
    return undefined;
  } catch (err: unknown) {
    if (ctx.signal.aborted) throw err;
    return errorMessage(err);
  } finally {
    client.close();
  }
}
