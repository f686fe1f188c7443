// Upgrade (NodeUpgradeJob): pull the release for this node, verify it, stage
// it as versions/<to>, write the marker `switching`, switch `current` and
// restart. The result is reported by the next edgecore (resume): the new
// version once it is connected (and has committed the marker), or the old
// one after the launcher rolled back or the switch was interrupted.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { pullRelease, verifyReleaseSignature } from '@kedge/oci';
import {
  beginUpgrade,
  commitUpgrade,
  currentVersion,
  readReleaseVersion,
  readUpgradeMarker,
  stageRelease,
  versionDir,
  writeUpgradeMarker,
  type InstallLayout,
  type UpgradeMarker,
} from '@kedge/installer';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { UNPINNED_REASON, expectedDigest } from './upgrade-check.ts';
import { withInstallLock } from './install-steps.ts';
import { releaseRef, requireLayout, type NodeTaskEnv } from './node-task-env.ts';
import { nodeUpgradeSpec } from './task-spec.ts';

export function upgradeAction(env: NodeTaskEnv): TaskAction {
  const run = async (ctx: ActionContext): Promise<ActionOutcome> => {
    const layout = requireLayout(env);
    const spec = nodeUpgradeSpec(ctx.task);
    const { task } = ctx;
    const from = env.version;
    const to = spec.version;
    const ref = releaseRef(spec, env);
    if (ref === undefined)
      return finished(false, 'spec.image is not set and this node has no default release image');
    await withInstallLock(env, layout, `taskmanager Upgrade ${task.key}`, ctx.signal, ctx.log, async () => {
      await stage(env, layout, ref, to, spec.imageDigestGatter ?? undefined, ctx);
      const req = {
        from,
        to,
        job: task.job,
        node: task.node,
        jobUid: task.jobUid,
        deadlineMs: env.clock.now() + env.healthTimeoutMs,
        now: env.clock.now(),
      };
      try {
        beginUpgrade(layout, req);
      } catch (err: unknown) {
        markAbortedIfUnswitched(layout, task.jobUid, from, errorMessage(err), env.clock.now());
        throw err;
      }
    });
    ctx.log.info({ from, to }, `switched to ${to}; restarting`);
    return { kind: 'restarting', reason: `upgrade ${from} -> ${to} (job ${task.job})` };
  };

  return {
    run,
    async resume(ctx: ActionContext): Promise<ActionOutcome> {
      const layout = requireLayout(env);
      const marker = readUpgradeMarker(layout);
      if (marker?.jobUid !== ctx.task.jobUid || marker.phase === 'staged') return run(ctx); // died before switching
      if (interruptedBeforeSwitch(layout, marker, env.version) && retryAllowed(layout, marker.jobUid)) {
        ctx.log.warn(
          { from: marker.from, to: marker.to },
          'upgrade was interrupted before the switch; running it again',
        );
        return run(ctx);
      }
      return settle(env, layout, marker, ctx);
    },
  };
}

/** Pulls and stages versions/<to> unless it is staged already. */
async function stage(
  env: NodeTaskEnv,
  layout: InstallLayout,
  ref: string,
  to: string,
  digests: { amd64?: string | undefined; arm64?: string | undefined } | undefined,
  ctx: ActionContext,
): Promise<void> {
  if (readReleaseVersion(versionDir(layout, to)) === to) {
    ctx.log.info({ to }, `${to} is staged already`);
    return;
  }
  const expected = expectedDigest(digests, env.arch);
  if (expected.kind === 'none') throw new KedgeError('KEDGE_RELEASE_UNPINNED', UNPINNED_REASON);
  if (expected.kind === 'missing') {
    throw new KedgeError(
      'KEDGE_TASK_ACTION_FAILED',
      `spec.imageDigestGatter has no digest for this node's architecture (${env.arch})`,
    );
  }
  if (env.releasePublicKey !== undefined) {
    await verifyReleaseSignature(ref, expected.digest, env.releasePublicKey, {
      ...env.registry,
      signal: ctx.signal,
    });
  }
  const download = join(layout.root, 'staging', `${to}-${ctx.task.jobUid}`);
  rmSync(download, { recursive: true, force: true });
  try {
    const pulled = await pullRelease(ref, {
      ...env.registry,
      destDir: download,
      signal: ctx.signal,
      expectedManifestDigest: expected.digest,
      limits: env.unpackLimits,
    });
    if (pulled.version !== undefined && pulled.version !== to) {
      throw new KedgeError(
        'KEDGE_TASK_ACTION_FAILED',
        `release ${ref} is labelled version ${pulled.version}, not ${to}`,
      );
    }
    ctx.log.info(
      { ref, digest: pulled.digest, indexDigest: pulled.indexDigest },
      'release pulled and verified',
    );
    stageRelease(layout, to, download, { mode: 'move' });
  } finally {
    if (existsSync(download)) rmSync(download, { recursive: true, force: true });
  }
}

/** The result of an upgrade that switched (or tried to), as the next edgecore finds it. */
async function settle(
  env: NodeTaskEnv,
  layout: InstallLayout,
  marker: UpgradeMarker,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const { from, to } = marker;
  const upgraded = finished(true, '', `${from},${to}`);
  switch (marker.phase) {
    case 'switching': {
      if (env.version !== to) {
        if (currentVersion(layout) === to)
          return { kind: 'restarting', reason: `finish the switch to ${to}` };
        markAbortedIfUnswitched(layout, marker.jobUid, from, 'interrupted before switching', env.clock.now());
        return finished(false, `interrupted before switching to ${to}`);
      }
      ctx.log.info(
        { from, to, deadline: marker.deadline },
        `running ${to} on trial; waiting for the cloud connection`,
      );
      await ctx.whenConnected();
      const result = commitUpgrade(layout, { runningVersion: env.version, now: env.clock.now() });
      if (result.outcome === 'committed' || result.outcome === 'alreadyCommitted') return upgraded;
      if (result.outcome === 'deadlinePassed') {
        return {
          kind: 'restarting',
          reason: `${to} connected after its deadline ${marker.deadline}; the launcher rolls back`,
        };
      }
      return finished(
        false,
        `upgrade to ${to} could not be committed (${result.outcome}, marker ${result.marker?.phase ?? 'gone'})`,
      );
    }
    case 'committed':
      return env.version === to
        ? upgraded
        : finished(false, `upgrade to ${to} was committed, but this edgecore is ${env.version}`);
    case 'aborted':
      return finished(false, `interrupted before switching to ${to}`);
    case 'rolledBack':
    case 'failed':
      return finished(false, marker.reason ?? `${to} failed; marker ${marker.phase}`);
    case 'staged':
      return finished(false, `${to} was staged but never switched to`);
  }
}

/** When the switch did not happen, the marker must not stay `switching` (the launcher would wait for it). */
function markAbortedIfUnswitched(
  layout: InstallLayout,
  jobUid: string,
  from: string,
  reason: string,
  now: number,
): void {
  const marker = readUpgradeMarker(layout);
  if (marker?.phase !== 'switching' || marker.jobUid !== jobUid || currentVersion(layout) !== from) return;
  writeUpgradeMarker(layout, { ...marker, phase: 'aborted', reason, updatedAt: new Date(now).toISOString() });
}

/** Nothing changed yet: the process died after writing the marker, before `current` moved. */
function interruptedBeforeSwitch(layout: InstallLayout, marker: UpgradeMarker, running: string): boolean {
  if (running !== marker.from || currentVersion(layout) !== marker.from) return false;
  return marker.phase === 'aborted' || marker.phase === 'switching';
}

const MAX_UPGRADE_RETRIES = 3;

/** Counts re-runs of an interrupted upgrade per job in state/, so a crash loop before the switch ends. */
function retryAllowed(layout: InstallLayout, jobUid: string): boolean {
  const file = join(layout.root, 'state', `upgrade-retries-${jobUid}`);
  const done = existsSync(file) ? Number(readFileSync(file, 'utf8')) || 0 : 0;
  if (done >= MAX_UPGRADE_RETRIES) return false;
  writeFileSync(file, String(done + 1));
  return true;
}
