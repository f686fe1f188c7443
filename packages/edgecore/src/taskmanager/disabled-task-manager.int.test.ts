// A node whose task manager is disabled (modules.taskManager.enable: false)
// answers every node task at once with a coded refusal that names the
// setting, for both node task APIs, instead of staying silent until the
// cloud's timeout: the refusal becomes the node's reason in the job.
import { join } from 'node:path';
import { newMessage, V1alpha1TaskResponseSchema, WireGroups, type V1alpha1TaskRequest } from '@kedge/api';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TASK_MANAGER_DISABLED } from './task-manager.ts';
import {
  NODE,
  makeInstall,
  startTaskHarness,
  upgradeSpec,
  type TaskHarness,
} from '../../test/task-harness.ts';

describe('a disabled task manager', () => {
  let dir: TempDir;
  let h: TaskHarness;

  beforeEach(async () => {
    dir = await tempDir('kedge-tm-off-');
    const install = makeInstall(dir.path);
    h = await startTaskHarness({
      dbFile: join(dir.path, 'edge.db'),
      taskManagerEnabled: false,
      env: { installRoot: install.layout.root, configFile: install.configFile },
    });
  });
  afterEach(async () => {
    await h.stop();
    await dir.cleanup();
  });

  it('fails a v1alpha2 task at once with KEDGE_TASK_MODULE_DISABLED naming the setting, and runs nothing', async () => {
    await h.sendTask('up1', 'uid-1', upgradeSpec());
    const [report] = await h.waitForReports(1, 'the refusal');
    expect(report).toMatchObject({
      action: 'Check',
      succ: false,
      reason: TASK_MANAGER_DISABLED,
      jobUid: 'uid-1',
    });
    expect(TASK_MANAGER_DISABLED).toMatch(
      /^KEDGE_TASK_MODULE_DISABLED: taskManager module disabled on this node \(modules\.taskManager\.enable: false\)/,
    );
    expect(h.taskManager.task(`nodeupgradejob/up1/${NODE}`)).toBeUndefined();
    expect(h.restarts).toEqual([]);
  });

  it('answers a v1alpha1 stage with a Failure carrying the same reason', async () => {
    const content: V1alpha1TaskRequest = {
      TaskID: 'up2',
      Type: 'upgrade',
      State: 'Checking',
      Item: { jobUid: 'uid-2', spec: upgradeSpec() },
    };
    await h.fromCloud(
      newMessage({
        source: 'taskmanager',
        group: WireGroups.taskManager,
        operation: 'upgrade',
        resource: `upgrade/up2/node/${NODE}`,
        content,
      }),
    );
    const answer = await waitFor(() => h.toCloud.find((m) => m.route.resource === `task/up2/node/${NODE}`), {
      what: 'the v1alpha1 answer',
      timeoutMs: 10_000,
    });
    expect(V1alpha1TaskResponseSchema.parse(answer.content)).toMatchObject({
      NodeName: NODE,
      State: 'Checking',
      Event: 'Check',
      Action: 'Failure',
      Reason: TASK_MANAGER_DISABLED,
      jobUid: 'uid-2',
    });
  });
});
