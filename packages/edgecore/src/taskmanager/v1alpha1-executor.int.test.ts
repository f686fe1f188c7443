// v1alpha1 stage requests against the real task manager: real bus, SQLite,
// outbox, install root and registry; the cloud is a stand-in EdgeHub.
import { join } from 'node:path';
import {
  newMessage,
  V1alpha1TaskResponseSchema,
  WireGroups,
  type Message,
  type V1alpha1TaskRequest,
  type V1alpha1TaskResponse,
} from '@kedge/api';
import { startRegistry, tempDir, waitFor, type TempDir, type TestRegistry } from '@kedge/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  NEW,
  NODE,
  makeInstall,
  pushTestRelease,
  startTaskHarness,
  upgradeSpec,
  type TaskHarness,
} from '../../test/task-harness.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let registry: TestRegistry;
let image: string;
let digest: string;
let shared: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  shared = await tempDir('kedge-v1alpha1-shared-');
  ({ image, digest } = await pushTestRelease(registry.url, shared.path, NEW));
});

afterAll(async () => {
  await registry?.stop();
  await shared?.cleanup();
});

describe('v1alpha1 stages on the edge', () => {
  let dir: TempDir;
  let h: TaskHarness;

  beforeEach(async () => {
    dir = await tempDir('kedge-v1alpha1-');
    const install = makeInstall(dir.path);
    h = await startTaskHarness({
      dbFile: join(dir.path, 'edge.db'),
      env: {
        installRoot: install.layout.root,
        configFile: install.configFile,
        containerRuntimeEndpoint: `unix://${join(dir.path, 'no-containerd.sock')}`,
      },
    });
  });
  afterEach(async () => {
    await h.stop();
    await dir.cleanup();
  });

  const stage = (
    type: 'upgrade' | 'prepull',
    job: string,
    state: string,
    spec: Record<string, unknown>,
  ): Message => {
    const content: V1alpha1TaskRequest = {
      TaskID: job,
      Type: type,
      State: state,
      Item: { jobUid: `uid-${job}`, spec },
    };
    return newMessage({
      source: 'taskmanager',
      group: WireGroups.taskManager,
      operation: type,
      resource: `${type}/${job}/node/${NODE}`,
      content,
    });
  };
  const answers = (): (V1alpha1TaskResponse & {
    msgId: string;
    resource: string;
    operation: string;
    sync: boolean;
  })[] =>
    h.toCloud
      .filter((m) => m.route.resource.startsWith('task/'))
      .map((m) => ({
        ...V1alpha1TaskResponseSchema.parse(m.content),
        msgId: m.header.msg_id,
        resource: m.route.resource,
        operation: m.route.operation,
        sync: m.header.sync === true,
      }));
  const waitForAnswers = (n: number): Promise<ReturnType<typeof answers>> =>
    waitFor(() => (answers().length >= n ? answers() : undefined), {
      what: `${n} answers`,
      timeoutMs: 20_000,
    });

  it('runs the stage the cloud sends, one at a time, and answers each on task/{job}/node/{node}', async () => {
    const spec = upgradeSpec({ image, imageDigestGatter: { amd64: digest, arm64: digest } });
    await h.fromCloud(stage('upgrade', 'up1', 'Checking', spec));
    const [check] = await waitForAnswers(1);
    expect(check).toMatchObject({
      resource: `task/up1/node/${NODE}`,
      operation: 'upgrade',
      sync: true,
      NodeName: NODE,
      State: 'Checking',
      Event: 'Check',
      Action: 'Success',
      Reason: '',
      jobUid: 'uid-up1',
    });
    expect(check?.Time).toMatch(RFC3339);
    // Nothing else runs until the cloud sends the next stage.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answers()).toHaveLength(1);

    await h.fromCloud(stage('upgrade', 'up1', 'BackingUp', spec));
    const [, backup] = await waitForAnswers(2);
    expect(backup).toMatchObject({ State: 'BackingUp', Event: 'Backup', Action: 'Success' });

    // A stage sent again (a reconnect) is answered with the recorded report, not run again.
    await h.fromCloud(stage('upgrade', 'up1', 'Checking', spec));
    const again = await waitForAnswers(3);
    expect(again[2]?.msgId).toBe(check?.msgId);

    // Upgrading restarts edgecore; its answer comes from the next process.
    await h.fromCloud(stage('upgrade', 'up1', 'Upgrading', spec));
    await waitFor(() => h.restarts.length > 0, { what: 'restart requested' });
    expect(h.taskManager.task(`v1alpha1/upgrade/up1/${NODE}`)).toMatchObject({
      state: 'running',
      currentAction: 'Upgrade',
    });
    expect(answers()).toHaveLength(3);
  });

  it('answers a failed Check with its reason, and the pre-pull stages through the CRI path', async () => {
    await h.fromCloud(
      stage(
        'upgrade',
        'up2',
        'Checking',
        upgradeSpec({ image, imageDigestGatter: { amd64: digest, arm64: digest }, version: 'v1.2.0' }),
      ),
    );
    const [check] = await waitForAnswers(1);
    expect(check).toMatchObject({ Event: 'Check', Action: 'Failure' });
    expect(check?.Reason).toMatch(/already running v1\.2\.0/);

    await h.fromCloud(
      stage('prepull', 'pp1', 'Checking', { imagePrePullTemplate: { images: ['busybox:1'] } }),
    );
    const [, prepullCheck] = await waitForAnswers(2);
    expect(prepullCheck).toMatchObject({
      operation: 'prepull',
      State: 'Checking',
      Event: 'Check',
      Action: 'Failure',
    });
    expect(prepullCheck?.Reason).toContain('no-containerd.sock');

    await h.fromCloud(
      stage('prepull', 'pp2', 'Upgrading', { imagePrePullTemplate: { images: ['busybox:1'] } }),
    );
    const [, , unknown] = await waitForAnswers(3);
    expect(unknown).toMatchObject({ Action: 'Failure', Reason: 'Upgrading is not a stage of prepull tasks' });
  });

  it('drops a stage meant for another node', async () => {
    const msg = stage(
      'upgrade',
      'up3',
      'Checking',
      upgradeSpec({ image, imageDigestGatter: { amd64: digest, arm64: digest } }),
    );
    msg.route.resource = 'upgrade/up3/node/someone-else';
    await h.fromCloud(msg);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answers()).toEqual([]);
  });
});
