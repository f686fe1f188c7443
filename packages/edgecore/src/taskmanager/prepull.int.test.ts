// ImagePrePullJob on the edge: the task manager's Check and PrePull against a
// real containerd (CRI over its socket) and real registries, one behind Basic
// auth whose credentials come from a Secret in the edge cache; the cloud is
// the harness's stand-in EdgeHub.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionProgressSchema, NodeTaskOperations, type ImageStatus } from '@kedge/api';
import {
  startContainerd,
  startRegistry,
  tempDir,
  type TempDir,
  type TestContainerd,
  type TestRegistry,
} from '@kedge/testing';
import { pushTinyImage } from '../../test/test-images.ts';
import { NODE, startTaskHarness, type TaskHarness } from '../../test/task-harness.ts';

const AUTH = { username: 'puller', password: 'pull-pass' };

let ctd: TestContainerd;
let open: TestRegistry;
let locked: TestRegistry;
let shared: TempDir;
let publicRef: string;
let privateRef: string;
let missingRef: string;

beforeAll(async () => {
  shared = await tempDir('kedge-prepull-images-');
  open = await startRegistry();
  locked = await startRegistry({ auth: AUTH });
  ctd = await startContainerd({ plainHttpRegistries: [open.url, locked.url] });
  publicRef = await pushTinyImage(open.url, 'kedge/public', shared.path);
  privateRef = await pushTinyImage(locked.url, 'kedge/private', shared.path, AUTH);
  missingRef = `${open.url}/kedge/missing:v1`;
});

afterAll(async () => {
  await ctd?.stop();
  await open?.stop();
  await locked?.stop();
  await shared?.cleanup();
});

function dockerConfigSecret(name: string, auths: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify({ auths });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', resourceVersion: '7' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(json).toString('base64') },
  };
}

function template(images: string[], over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    imagePrePullTemplate: {
      images,
      nodeNames: [NODE],
      concurrency: 1,
      timeoutSeconds: 300,
      failureTolerate: '0',
      ...over,
    },
  };
}

describe('ImagePrePullJob on the edge', () => {
  let dir: TempDir;
  let h: TaskHarness;

  beforeEach(async () => {
    dir = await tempDir('kedge-prepull-');
    h = await startTaskHarness({
      dbFile: join(dir.path, 'edgecore.db'),
      env: {
        containerRuntimeEndpoint: ctd.endpoint,
        prePull: { backoffMs: 100, secretWaitMs: 300, progressIntervalMs: 0 },
      },
    });
  });

  afterEach(async () => {
    await h.stop();
    await dir.cleanup();
  });

  const progress = (): ImageStatus[][] =>
    h.toCloud
      .filter((m) => m.route.operation === NodeTaskOperations.updateNodeActionProgress)
      .map((m) => JSON.parse(ActionProgressSchema.parse(m.content).extend) as ImageStatus[]);

  it('pulls public and private images, retries only the missing one, reports each image and its progress', async () => {
    h.cache.upsert(
      'default',
      'secret',
      'regcred',
      dockerConfigSecret('regcred', { [locked.url]: AUTH }),
      '7',
    );
    const images = [publicRef, privateRef, missingRef];
    await h.sendTask('pp1', 'uid-1', template(images, { imageSecrets: 'default/regcred', retryTimes: 2 }), {
      type: 'imageprepulljob',
    });
    const [check, prePull] = await h.waitForReports(2);
    expect(check).toMatchObject({ action: 'Check', succ: true, reason: '' });
    expect(prePull).toMatchObject({ action: 'PrePull', succ: false });
    const statuses = JSON.parse(prePull?.extend ?? '') as ImageStatus[];
    expect(statuses.map((s) => [s.image, s.status])).toEqual([
      [publicRef, 'True'],
      [privateRef, 'True'],
      [missingRef, 'False'],
    ]);
    expect(statuses[2]?.reason).toMatch(
      /^failed 3 times: NOT_FOUND: failed to pull and unpack image .*not found$/,
    );
    expect(prePull?.reason).toBe(`1 of 3 images failed to pull: ${missingRef}: ${statuses[2]?.reason}`);

    // Retries were for the missing image only: one pull each for the others, three for it.
    expect([publicRef, privateRef, missingRef].map((i) => ctd.pullRequests(i))).toEqual([1, 1, 3]);
    expect(await ctd.imageNames()).toEqual(expect.arrayContaining([publicRef, privateRef]));

    // The cloud heard of each image as it finished, and of the failure while it was retried.
    const seen = progress();
    expect(seen[0]).toEqual([{ image: publicRef, status: 'True' }]);
    const retrying = seen.find((p) => p.some((s) => s.image === missingRef));
    expect(retrying?.map((s) => s.status)).toEqual(['True', 'True', 'False']);
    expect(retrying?.[2]?.reason).toMatch(/^attempt 1 of 3 failed, retrying: NOT_FOUND: /);
    const lastProgressAt = h.toCloud.findLastIndex(
      (m) => m.route.operation === NodeTaskOperations.updateNodeActionProgress,
    );
    const finalAt = h.toCloud.findIndex((m) => m.header.msg_id === prePull?.msgId);
    expect(lastProgressAt).toBeLessThan(finalAt);

    // The credentials went nowhere but the runtime: not in any message sent up.
    expect(JSON.stringify(h.toCloud)).not.toContain(AUTH.password);

    // A second job finds both images present and pulls nothing.
    await h.sendTask('pp2', 'uid-2', template([publicRef, privateRef]), { type: 'imageprepulljob' });
    const reports = await h.waitForReports(4);
    expect(reports[3]).toMatchObject({ action: 'PrePull', succ: true, reason: '' });
    expect(JSON.parse(reports[3]?.extend ?? '')).toEqual([
      { image: publicRef, status: 'True' },
      { image: privateRef, status: 'True' },
    ]);
    expect([publicRef, privateRef].map((i) => ctd.pullRequests(i))).toEqual([1, 1]);
  });

  it('fails Check naming the secret when it never reaches the edge cache or is not a docker config', async () => {
    await h.sendTask('pp3', 'uid-3', template([publicRef], { imageSecrets: 'default/absent' }), {
      type: 'imageprepulljob',
    });
    const [absent] = await h.waitForReports(1);
    expect(absent).toMatchObject({
      action: 'Check',
      succ: false,
      reason:
        'imageSecrets default/absent: not in the edge cache after 0.3s (the cloud sends it with the task; does the Secret exist?)',
    });

    const opaque = { ...dockerConfigSecret('opaque', {}), type: 'Opaque', data: { token: 'eA==' } };
    h.cache.upsert('default', 'secret', 'opaque', opaque, '8');
    await h.sendTask('pp4', 'uid-4', template([publicRef], { imageSecrets: 'default/opaque' }), {
      type: 'imageprepulljob',
    });
    const reports = await h.waitForReports(2);
    expect(reports[1]?.reason).toBe(
      'imageSecrets default/opaque: has no .dockerconfigjson key (type Opaque)',
    );
  });

  it('fails Check with the socket in the reason when the runtime is down, after the load checks', async () => {
    const socket = join(dir.path, 'containerd-down.sock');
    await h.stop();
    h = await startTaskHarness({
      dbFile: join(dir.path, 'edgecore-2.db'),
      env: { containerRuntimeEndpoint: `unix://${socket}`, limits: { mem: 0 } },
    });
    await h.sendTask('pp5', 'uid-5', template([publicRef], { checkItems: ['mem'] }), {
      type: 'imageprepulljob',
    });
    const [check] = await h.waitForReports(1);
    expect(check?.succ).toBe(false);
    expect(check?.reason).toMatch(
      new RegExp(
        `^memory is \\d+\\.\\d% used, over the 0% limit; container runtime at unix://${socket} is not reachable: connect ENOENT ${socket}$`,
      ),
    );
    expect(h.reports()).toHaveLength(1); // no PrePull after a failed Check
  });
});
