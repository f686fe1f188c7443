import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type TempDir, makeFakeRelease } from '@kedge/testing';
import { resolveBootState } from './boot-state.ts';
import {
  beginConfigUpdate,
  commitConfigUpdate,
  failedConfigFile,
  previousConfigFile,
  recordConfigTrialFailure,
} from './config-update.ts';
import { sha256Of } from './durable-fs.ts';
import { installLayout, type InstallLayout } from './install-layout.ts';
import { readConfigUpdateMarker } from './markers.ts';
import { stageRelease } from './stage-release.ts';
import { switchCurrent } from './switch-current.ts';

const T0 = Date.parse('2025-06-01T10:00:00Z');
const OLD = 'modules:\n  edgeHub:\n    heartbeat: 15\n';
const NEW = 'modules:\n  edgeHub:\n    heartbeat: 30\n';

let tmp: TempDir;
let layout: InstallLayout;
let configFile: string;

beforeEach(async () => {
  tmp = await tempDir('kedge-cfg-');
  layout = installLayout(join(tmp.path, 'root'));
  stageRelease(layout, 'v1.0.0', makeFakeRelease(join(tmp.path, 'src'), 'v1.0.0', 'run'));
  switchCurrent(layout, 'v1.0.0');
  configFile = join(tmp.path, 'edgecore.yaml');
  writeFileSync(configFile, OLD, { mode: 0o600 });
});
afterEach(() => tmp.cleanup());

const request = () => ({
  configFile,
  text: NEW,
  job: 'cu1',
  node: 'edge-1',
  jobUid: 'uid-c',
  deadlineMs: T0 + 60_000,
  now: T0,
});

describe('config update across a restart', () => {
  it('keeps the old file as .previous (same mode) and writes the new one', () => {
    const marker = beginConfigUpdate(layout, request());
    expect(readFileSync(configFile, 'utf8')).toBe(NEW);
    expect(readFileSync(previousConfigFile(configFile), 'utf8')).toBe(OLD);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(statSync(previousConfigFile(configFile)).mode & 0o777).toBe(0o600);
    expect(marker).toMatchObject({
      phase: 'switching',
      newSha256: sha256Of(NEW),
      previousSha256: sha256Of(OLD),
    });
  });

  it('restores the previous file after three failed starts and keeps the failed one aside', () => {
    beginConfigUpdate(layout, request());
    for (let i = 1; i <= 3; i++)
      expect(resolveBootState(layout, { now: T0 + i }).configUpdate?.attempts).toBe(i);
    const boot = resolveBootState(layout, { now: T0 + 4 });
    expect(boot.configUpdate).toMatchObject({
      phase: 'rolledBack',
      reason: 'edgecore exited 3 times with the new edgecore.yaml',
    });
    expect(readFileSync(configFile, 'utf8')).toBe(OLD);
    expect(readFileSync(failedConfigFile(configFile), 'utf8')).toBe(NEW);
  });

  it('quotes why edgecore failed to start with the new file in the rollback reason', () => {
    beginConfigUpdate(layout, request());
    resolveBootState(layout, { now: T0 + 1 });
    const error = 'metaServer cannot listen on 127.0.0.1:9: listen EADDRINUSE\n  at listen';
    expect(recordConfigTrialFailure(layout, { configFile, error, now: T0 + 2 })).toEqual({ recorded: true });
    expect(readConfigUpdateMarker(layout)?.lastError).toBe(
      'metaServer cannot listen on 127.0.0.1:9: listen EADDRINUSE; at listen',
    );
    for (let i = 2; i <= 3; i++) resolveBootState(layout, { now: T0 + i });
    expect(resolveBootState(layout, { now: T0 + 4 }).configUpdate?.reason).toBe(
      'edgecore exited 3 times with the new edgecore.yaml ' +
        '(last error: metaServer cannot listen on 127.0.0.1:9: listen EADDRINUSE; at listen)',
    );
    // Only a process started with the file on trial records anything.
    expect(recordConfigTrialFailure(layout, { configFile, error: 'x' })).toEqual({ recorded: false });
  });

  it('removes what a write killed before its rename left behind, and edgecore.yaml stays whole', () => {
    const leftover = join(tmp.path, '.edgecore.yaml.tmp-123-abcd');
    writeFileSync(leftover, 'modules:\n  edgeHub:\n    heart');
    beginConfigUpdate(layout, request());
    expect(existsSync(leftover)).toBe(false);
    expect(readFileSync(configFile, 'utf8')).toBe(NEW);
  });

  it('restores the previous file when started after the deadline', () => {
    beginConfigUpdate(layout, request());
    const boot = resolveBootState(layout, { now: T0 + 61_000 });
    expect(boot.configUpdate?.reason).toBe(
      'edgecore did not come up healthy and connected within 60s with the new edgecore.yaml',
    );
    expect(readFileSync(configFile, 'utf8')).toBe(OLD);
  });

  it('marks the update aborted when the new file was never written (crash before the rename)', () => {
    beginConfigUpdate(layout, request());
    writeFileSync(configFile, OLD); // as if the process died between the marker and the file
    const boot = resolveBootState(layout, { now: T0 + 1 });
    expect(boot.configUpdate).toMatchObject({
      phase: 'aborted',
      reason: 'interrupted before the new edgecore.yaml was written',
    });
    expect(readFileSync(configFile, 'utf8')).toBe(OLD);
  });

  it('commits only for a process that loaded the new file, before the deadline', () => {
    beginConfigUpdate(layout, request());
    resolveBootState(layout, { now: T0 + 1 });
    expect(commitConfigUpdate(layout, { loadedConfigSha256: sha256Of(OLD), now: T0 + 2 }).outcome).toBe(
      'notOnTrial',
    );
    expect(commitConfigUpdate(layout, { loadedConfigSha256: sha256Of(NEW), now: T0 + 70_000 }).outcome).toBe(
      'deadlinePassed',
    );
    expect(commitConfigUpdate(layout, { loadedConfigSha256: sha256Of(NEW), now: T0 + 2 }).outcome).toBe(
      'committed',
    );
    expect(readConfigUpdateMarker(layout)?.phase).toBe('committed');
    const boot = resolveBootState(layout, { now: T0 + 1_000_000 });
    expect(boot.trials).toEqual([]);
    expect(readFileSync(configFile, 'utf8')).toBe(NEW);
  });

  it('refuses an update that changes nothing, and resumes the same update after a crash', () => {
    expect(() => beginConfigUpdate(layout, { ...request(), text: OLD })).toThrow(/changes nothing/);
    expect(existsSync(layout.configUpdateMarker)).toBe(false);
    beginConfigUpdate(layout, request());
    writeFileSync(configFile, OLD);
    expect(beginConfigUpdate(layout, request()).phase).toBe('switching');
    expect(readFileSync(configFile, 'utf8')).toBe(NEW);
    expect(() => beginConfigUpdate(layout, { ...request(), jobUid: 'other', text: 'x: 1\n' })).toThrow(
      /still on trial/,
    );
  });
});
