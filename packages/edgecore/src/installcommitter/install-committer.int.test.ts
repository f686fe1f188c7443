import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeGroups, EdgeModules, newMessage } from '@kedge/api';
import { Bus } from '@kedge/beehive';
import { createLogger, systemClock } from '@kedge/runtime';
import { tempDir, waitFor, type TempDir, makeFakeRelease } from '@kedge/testing';
import {
  beginConfigUpdate,
  beginUpgrade,
  installLayout,
  readConfigUpdateMarker,
  readUpgradeMarker,
  resolveBootState,
  sha256Of,
  stageRelease,
  switchCurrent,
  type InstallLayout,
} from '@kedge/installer';
import { InstallCommitter } from './install-committer.ts';

let tmp: TempDir;
let layout: InstallLayout;
let bus: Bus;

beforeEach(async () => {
  tmp = await tempDir('kedge-commit-');
  layout = installLayout(join(tmp.path, 'root'));
  for (const v of ['v1.0.0', 'v2.0.0'])
    stageRelease(layout, v, makeFakeRelease(join(tmp.path, 'src'), v, 'run'));
  switchCurrent(layout, 'v1.0.0');
  bus = new Bus({ log: createLogger({ name: 'test', level: 'silent' }) });
});
afterEach(async () => {
  await bus.stop();
  await tmp.cleanup();
});

function connected(): Promise<void> {
  return bus.sendToGroup(
    EdgeGroups.meta,
    newMessage({
      source: EdgeModules.edgeHub,
      group: EdgeGroups.meta,
      operation: 'cloud_connected',
      resource: 'node/connection',
    }),
  );
}

describe('InstallCommitter', () => {
  it('commits the upgrade and the config update on trial when edgecore connects', async () => {
    const configFile = join(tmp.path, 'edgecore.yaml');
    writeFileSync(configFile, 'a: 1\n');
    const deadlineMs = Date.now() + 60_000;
    beginUpgrade(layout, { from: 'v1.0.0', to: 'v2.0.0', job: '', node: 'edge-1', jobUid: '', deadlineMs });
    beginConfigUpdate(layout, {
      configFile,
      text: 'a: 2\n',
      job: 'cu',
      node: 'edge-1',
      jobUid: 'u',
      deadlineMs,
    });
    resolveBootState(layout);
    const commits: string[] = [];
    bus.register(
      new InstallCommitter({
        layout,
        runningVersion: 'v2.0.0',
        loadedConfigSha256: sha256Of('a: 2\n'),
        clock: systemClock,
        onCommit: (r) => commits.push(r.upgrade.outcome, r.configUpdate?.outcome ?? '-'),
      }),
    );
    await bus.start();
    expect(readUpgradeMarker(layout)?.phase).toBe('switching');
    await connected();
    await waitFor(() => readUpgradeMarker(layout)?.phase === 'committed', { what: 'the upgrade commit' });
    expect(readConfigUpdateMarker(layout)?.phase).toBe('committed');
    expect(commits).toEqual(['committed', 'committed']);
  });

  it('leaves a trial alone when this process is not the version on trial', async () => {
    beginUpgrade(layout, {
      from: 'v1.0.0',
      to: 'v2.0.0',
      job: '',
      node: 'edge-1',
      jobUid: '',
      deadlineMs: Date.now() + 60_000,
    });
    const committer = new InstallCommitter({
      layout,
      runningVersion: 'v1.0.0',
      loadedConfigSha256: undefined,
      clock: systemClock,
    });
    bus.register(committer);
    await bus.start();
    await connected();
    await new Promise((r) => setTimeout(r, 100));
    expect(readUpgradeMarker(layout)?.phase).toBe('switching');
  });
});
