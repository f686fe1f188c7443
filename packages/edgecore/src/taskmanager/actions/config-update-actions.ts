// ConfigUpdateJob: Check -> Backup -> ConfigUpdate (-> Rollback on failure).
// ConfigUpdate writes the new edgecore.yaml through the install library
// (old file kept as .previous, marker state/config-update.json `switching`)
// and restarts; the next edgecore reports the result: success once it runs
// the new file and is connected, failure after the launcher restored the
// previous file. Unlike KubeEdge, the result always arrives after the restart.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@kedge/api';
import { updateEdgeCoreConfigText } from '../../config/index.ts';
import {
  beginConfigUpdate,
  commitConfigUpdate,
  readConfigUpdateMarker,
  sha256Of,
  writeConfigUpdateMarker,
  writeFileDurable,
  type ConfigUpdateMarker,
} from '@kedge/installer';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { busyProblems } from './busy-tasks.ts';
import { withInstallLock } from './install-steps.ts';
import { requireConfigFile, requireLayout, type NodeTaskEnv } from './node-task-env.ts';
import { configUpdateSpec } from './task-spec.ts';
import { installProblems } from './upgrade-check.ts';

function readIfExists(file: string): Buffer | undefined {
  return existsSync(file) ? readFileSync(file) : undefined;
}

/** The new text of the config file; throws KEDGE_CONFIG_INVALID naming each bad field. */
function plan(env: NodeTaskEnv, ctx: ActionContext): { configFile: string; text: string; changed: boolean } {
  const configFile = requireConfigFile(env);
  const spec = configUpdateSpec(ctx.task);
  const text = readFileSync(configFile, 'utf8');
  const next = updateEdgeCoreConfigText({ text, file: configFile, updateFields: spec.updateFields });
  return { configFile, text: next.text, changed: next.changed };
}

export function configUpdateCheck(env: NodeTaskEnv): TaskAction {
  return {
    // ConfigUpdateJob has no checkItems: Check is about the install and the fields.
    run(ctx: ActionContext): Promise<ActionOutcome> {
      const fatal = [...installProblems(env), ...busyProblems(ctx)];
      if (fatal.length > 0) return Promise.resolve(finished(false, fatal.join('; ')));
      try {
        plan(env, ctx);
      } catch (err: unknown) {
        return Promise.resolve(finished(false, errorMessage(err)));
      }
      return Promise.resolve(finished(true));
    },
  };
}

export function configUpdateAction(env: NodeTaskEnv): TaskAction {
  const run = async (ctx: ActionContext): Promise<ActionOutcome> => {
    const layout = requireLayout(env);
    const { configFile, text, changed } = plan(env, ctx);
    if (!changed) {
      ctx.log.info({ configFile }, 'every field already has its value; nothing to write, no restart');
      return finished(true);
    }
    await withInstallLock(env, layout, `taskmanager ConfigUpdate ${ctx.task.key}`, ctx.signal, ctx.log, () =>
      beginConfigUpdate(layout, {
        configFile,
        text,
        job: ctx.task.job,
        node: ctx.task.node,
        jobUid: ctx.task.jobUid,
        deadlineMs: env.clock.now() + env.healthTimeoutMs,
        now: env.clock.now(),
      }),
    );
    return { kind: 'restarting', reason: `config update of ${configFile} (job ${ctx.task.job})` };
  };
  return {
    run,
    async resume(ctx: ActionContext): Promise<ActionOutcome> {
      const layout = requireLayout(env);
      const marker = readConfigUpdateMarker(layout);
      if (marker?.jobUid !== ctx.task.jobUid) return run(ctx); // died before the marker
      const runningNew = env.loadedConfigSha256 === marker.newSha256;
      switch (marker.phase) {
        case 'switching': {
          if (!runningNew) {
            const onDisk = readIfExists(marker.configFile);
            if (onDisk !== undefined && sha256Of(onDisk) === marker.newSha256) {
              return { kind: 'restarting', reason: `start with the updated ${marker.configFile}` };
            }
            return run(ctx); // the new file was not written yet: beginConfigUpdate finishes it
          }
          await ctx.whenConnected();
          const result = commitConfigUpdate(layout, {
            loadedConfigSha256: marker.newSha256,
            now: env.clock.now(),
          });
          if (result.outcome === 'committed' || result.outcome === 'alreadyCommitted') return finished(true);
          if (result.outcome === 'deadlinePassed') {
            return {
              kind: 'restarting',
              reason: `connected after the config trial deadline ${marker.deadline}`,
            };
          }
          return finished(false, `config update could not be committed (${result.outcome})`);
        }
        case 'committed':
          return runningNew
            ? finished(true)
            : finished(false, `${marker.configFile} was committed but this edgecore did not load it`);
        case 'aborted': {
          // Killed before the new file replaced the old one (the launcher marked it): nothing changed, so
          // write it again, a bounded number of times so that a crash loop at this point ends.
          const onDisk = readIfExists(marker.configFile);
          const untouched = onDisk !== undefined && sha256Of(onDisk) === marker.previousSha256;
          if (untouched && retryAllowed(layout.stateDir, ctx.task.jobUid)) {
            ctx.log.warn(
              { reason: marker.reason },
              'config update was interrupted before the write; retrying',
            );
            return run(ctx);
          }
          return finished(false, marker.reason ?? 'config update aborted');
        }
        case 'rolledBack':
        case 'failed':
          return finished(false, marker.reason ?? `config update ${marker.phase}`);
      }
    },
  };
}

const MAX_CONFIG_UPDATE_RETRIES = 3;

/** Counts re-runs of an interrupted config update per job in state/. */
function retryAllowed(stateDir: string, jobUid: string): boolean {
  const file = join(stateDir, `config-update-retries-${jobUid || 'keadm'}`);
  const done = existsSync(file) ? Number(readFileSync(file, 'utf8')) || 0 : 0;
  if (done >= MAX_CONFIG_UPDATE_RETRIES) return false;
  writeFileSync(file, String(done + 1));
  return true;
}

/** Rollback of a config update: the previous file back in place (usually the launcher did it already). */
export function configRollbackAction(env: NodeTaskEnv): TaskAction {
  const run = async (ctx: ActionContext): Promise<ActionOutcome> => {
    const layout = requireLayout(env);
    const marker = readConfigUpdateMarker(layout);
    const ours: ConfigUpdateMarker | undefined = marker?.jobUid === ctx.task.jobUid ? marker : undefined;
    if (!ours || ours.phase === 'rolledBack' || ours.phase === 'aborted') {
      ctx.log.info({ marker: ours?.phase }, 'the previous config is in place; nothing left to roll back');
      return finished(true);
    }
    if (ours.phase === 'failed')
      return finished(false, ours.reason ?? 'the previous config could not be restored');
    const previous = readIfExists(ours.previousFile);
    if (previous === undefined || sha256Of(previous) !== ours.previousSha256) {
      return finished(false, `${ours.previousFile} is missing or not the saved content; cannot roll back`);
    }
    await withInstallLock(env, layout, `taskmanager Rollback ${ctx.task.key}`, ctx.signal, ctx.log, () => {
      writeFileDurable(ours.configFile, previous, statSync(ours.configFile).mode & 0o777);
      const reason = 'rolled back by the task manager after the failed config update';
      writeConfigUpdateMarker(layout, {
        ...ours,
        phase: 'rolledBack',
        reason,
        updatedAt: new Date(env.clock.now()).toISOString(),
      });
    });
    return env.loadedConfigSha256 === ours.previousSha256
      ? finished(true)
      : { kind: 'restarting', reason: `start with the restored ${ours.configFile}` };
  };
  return { run, resume: run };
}
