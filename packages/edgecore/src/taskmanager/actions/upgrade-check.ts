// Check for NodeUpgradeJob: everything that can be known before touching the
// install. The reason names each failed check with what was measured.
import { errorMessage } from '@kedge/api';
import { pullManifest, verifyReleaseSignature } from '@kedge/oci';
import { currentVersion, installLayout } from '@kedge/installer';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { checkLoad } from './load-checks.ts';
import { busyProblems } from './busy-tasks.ts';
import { NOT_INSTALLED_REASON, releaseRef, type NodeTaskEnv } from './node-task-env.ts';
import { nodeUpgradeSpec } from './task-spec.ts';

export function upgradeCheck(env: NodeTaskEnv): TaskAction {
  return {
    async run(ctx: ActionContext): Promise<ActionOutcome> {
      const spec = nodeUpgradeSpec(ctx.task);
      const fatal: string[] = [];
      if (spec.version === env.version) fatal.push(`already running ${env.version}`);
      fatal.push(...installProblems(env), ...busyProblems(ctx));
      const ref = releaseRef(spec, env);
      if (ref === undefined) fatal.push('spec.image is not set and this node has no default release image');
      if (fatal.length > 0 || ref === undefined) return finished(false, fatal.join('; '));

      const problems = await checkLoad(spec.checkItems ?? [], {
        limits: env.limits,
        diskPath: env.installRoot ?? '/',
        clock: env.clock,
        signal: ctx.signal,
        ...(env.cpuSampleMs === undefined ? {} : { cpuSampleMs: env.cpuSampleMs }),
      });
      const artifact = await checkArtifact(ref, spec.imageDigestGatter ?? undefined, env, ctx.signal);
      if (artifact) problems.push(artifact);
      if (problems.length > 0) return finished(false, problems.join('; '));
      ctx.log.info({ ref, from: env.version, to: spec.version }, 'upgrade checks passed');
      return finished(true);
    },
  };
}

/** Problems that keep this edgecore from changing its own install. */
export function installProblems(env: NodeTaskEnv): string[] {
  if (env.installRoot === undefined) return [NOT_INSTALLED_REASON];
  const problems: string[] = [];
  const layout = installLayout(env.installRoot);
  let current: string | undefined;
  try {
    current = currentVersion(layout);
  } catch (err: unknown) {
    problems.push(errorMessage(err));
  }
  if (current !== env.version && problems.length === 0) {
    problems.push(`${layout.current} points at ${current ?? 'nothing'}, but this edgecore is ${env.version}`);
  }
  if (env.configFile === undefined)
    problems.push('edgecore runs without --config; there is no config file to back up');
  return problems;
}

/** Resolves the release for this node and compares it with the job's digest for this CPU, when it gives one. */
async function checkArtifact(
  ref: string,
  digests: { amd64?: string | undefined; arm64?: string | undefined } | undefined,
  env: NodeTaskEnv,
  signal: AbortSignal,
): Promise<string | undefined> {
  let resolved: { digest: string; indexDigest?: string | undefined };
  try {
    resolved = await pullManifest(ref, { ...env.registry, signal });
  } catch (err: unknown) {
    if (signal.aborted) throw err;
    return `release ${ref} is not reachable: ${errorMessage(err)}`;
  }
  const expected = expectedDigest(digests, env.arch);
  if (expected.kind === 'none') return UNPINNED_REASON;
  if (expected.kind === 'missing') {
    return `spec.imageDigestGatter has no digest for this node's architecture (${env.arch})`;
  }
  if (expected.digest === resolved.digest || expected.digest === resolved.indexDigest) {
    if (env.releasePublicKey === undefined) return undefined;
    try {
      await verifyReleaseSignature(ref, expected.digest, env.releasePublicKey, { ...env.registry, signal });
      return undefined;
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      return `KEDGE_RELEASE_SIGNATURE_INVALID: ${errorMessage(err)}`;
    }
  }
  const actual = resolved.indexDigest
    ? `${resolved.indexDigest} (index; ${env.arch} manifest ${resolved.digest})`
    : resolved.digest;
  return `release ${ref} digest mismatch: spec.imageDigestGatter.${env.arch} is ${expected.digest}, the registry has ${actual}`;
}

/** A node installs only a release whose digest the job carries (pinned by the cloud or by the author). */
export const UNPINNED_REASON =
  'KEDGE_RELEASE_UNPINNED: the job carries no release digest (controllermanager pins one when the job starts, ' +
  'or set spec.imageDigestGatter); an unpinned release is not installed';

type Expected = { kind: 'none' } | { kind: 'missing' } | { kind: 'digest'; digest: string };

/**
 * No digests at all: nothing to verify. Digests, but none for this CPU: refuse (as KubeEdge).
 * v1alpha1's `value` is the digest for every CPU without one of its own.
 */
export function expectedDigest(
  digests: { amd64?: string | undefined; arm64?: string | undefined; value?: string | undefined } | undefined,
  arch: string,
): Expected {
  const given = digests && (digests.amd64 || digests.arm64 || digests.value);
  if (!given) return { kind: 'none' };
  const mine =
    (arch === 'amd64' ? digests.amd64 : arch === 'arm64' ? digests.arm64 : undefined) || digests.value;
  return mine ? { kind: 'digest', digest: mine } : { kind: 'missing' };
}
