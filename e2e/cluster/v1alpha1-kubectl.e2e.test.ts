// Jobs created with kubectl (not through kedge's store) on a real
// kube-apiserver: the version a job was created at comes from what the API
// server recorded (metadata.managedFields), so the feature gate
// disableNodeTaskV1alpha2 picks the right code for them: with the gate on the
// v1alpha1 controller runs a v1alpha1 job applied with kubectl; with it off
// the v1alpha2 controller leaves that job alone, and says so in its status.
import { join } from 'node:path';
import { CREATED_AS_ANNOTATION, type ResourceOf } from '@kedge/api';
import { LocalCloud } from '@kedge/localup';
import { openKubernetesStore, type ResourceStore } from '@kedge/store';
import {
  repoRoot,
  startKubeApiServer,
  tempDir,
  waitFor,
  type TempDir,
  type TestKubeApiServer,
} from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type UpgradeJob = ResourceOf<'NodeUpgradeJob'>;

const v1alpha1Job = (name: string): string => `apiVersion: operations.kubeedge.io/v1alpha1
kind: NodeUpgradeJob
metadata:
  name: ${name}
spec:
  version: "v1.16.0"
  nodeNames: [edge-absent]
  timeoutSeconds: 180
`;

describe('v1alpha1 jobs applied with kubectl', () => {
  let dir: TempDir;
  let kube: TestKubeApiServer;
  let admin: ResourceStore;
  let cloud: LocalCloud | undefined;
  const subDirs: TempDir[] = [];

  beforeAll(async () => {
    dir = await tempDir('kedge-kubectl-v1alpha1-');
    kube = await startKubeApiServer();
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/crds')]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/nodeupgradejobs.operations.kubeedge.io',
      'crd/imageprepulljobs.operations.kubeedge.io',
    ]);
    await kube.kubectl(['create', 'namespace', 'kubeedge']);
    admin = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
  });
  afterAll(async () => {
    await cloud?.close();
    for (const d of subDirs) await d.cleanup();
    await admin?.close();
    await kube?.stop();
    await dir?.cleanup();
  });

  const controllerManager = async (gate: boolean, sub: string): Promise<LocalCloud> => {
    await cloud?.close();
    const sub_ = await tempDir(`kedge-kubectl-${sub}-`);
    subDirs.push(sub_);
    const c = new LocalCloud({
      dir: sub_.path,
      featureGates: { disableNodeTaskV1alpha2: gate },
      kubernetes: { kubeconfigFor: () => kube.kubeconfigPath, store: admin },
    });
    await c.startControllerManager();
    cloud = c;
    return c;
  };
  const serverJob = async (name: string): Promise<UpgradeJob> =>
    JSON.parse((await kube.kubectl(['get', 'nodeupgradejob', name, '-o', 'json'])).stdout) as UpgradeJob;

  it('with the gate on, the v1alpha1 controller runs it and the created-as version is kept on the object', async () => {
    await controllerManager(true, 'on');
    await kube.kubectl(['apply', '-f', '-'], { input: v1alpha1Job('kubectl-on') });
    const job = await waitFor(
      async () => {
        const j = await admin.get('NodeUpgradeJob', 'kubectl-on');
        return j?.status?.state !== undefined ? j : undefined;
      },
      { what: 'a v1alpha1 status on kubectl-on', timeoutMs: 20_000 },
    );
    // v1alpha1 status: a job state and per-node v1alpha1 entries (edge-absent is no node: Failed).
    expect(job.status?.nodeStatus?.[0]).toMatchObject({ nodeName: 'edge-absent', state: 'Failed' });
    expect((await serverJob('kubectl-on')).metadata.annotations?.[CREATED_AS_ANNOTATION]).toBe(
      'operations.kubeedge.io/v1alpha1',
    );
  });

  it('with the gate off, the v1alpha2 controller leaves it alone, saying in its status which gate runs it', async () => {
    const cm = await controllerManager(false, 'off');
    await kube.kubectl(['apply', '-f', '-'], { input: v1alpha1Job('kubectl-off') });
    await cm.controllerManager!.running.waitForLine(
      /NodeUpgradeJob kubectl-off is a v1alpha1 job; this controllermanager runs the v1alpha2 node tasks/,
      20_000,
    );
    const job = await waitFor(
      async () => {
        const j = await serverJob('kubectl-off');
        return j.status?.reason !== undefined ? j : undefined;
      },
      { what: 'a status reason on kubectl-off', timeoutMs: 20_000 },
    );
    expect(job.status?.phase).toBe('Init');
    expect(job.status?.nodeStatus).toBeUndefined();
    expect(job.status?.reason).toMatch(
      /^KEDGE_TASK_MODE_MISMATCH: NodeUpgradeJob kubectl-off is a v1alpha1 job; .*\(--feature-gates=disableNodeTaskV1alpha2=true on controllermanager runs it\)$/,
    );
    expect(job.metadata.finalizers ?? []).toEqual([]);
    expect(job.spec.concurrency).toBeUndefined(); // no v1alpha2 defaults written
  });

  it('once the gate is flipped on, the v1alpha1 controller starts that job and the skip reason goes', async () => {
    await controllerManager(true, 'flipped');
    const job = await waitFor(
      async () => {
        const j = await serverJob('kubectl-off');
        return j.status?.state !== undefined ? j : undefined;
      },
      { what: 'kubectl-off initialised by the v1alpha1 controller', timeoutMs: 20_000 },
    );
    expect(job.status?.reason ?? '').not.toMatch(/KEDGE_TASK_MODE_MISMATCH/);
    expect(job.status?.nodeStatus?.[0]).toMatchObject({ nodeName: 'edge-absent', state: 'Failed' });
  });

  it("accepts KubeEdge's own v1alpha1 samples unchanged and shows them at v1alpha1 in KubeEdge's shape", async () => {
    // The gate is on (previous test): the v1alpha1 controller initialises them.
    const samples = join(repoRoot(), 'e2e/node-tasks/testdata/kubeedge-samples');
    await kube.kubectl(['apply', '-f', join(samples, 'nodeupgradejob.yaml')]);
    await kube.kubectl(['apply', '-f', join(samples, 'imageprepulljob.yaml')]);
    const read = async (resource: string, name: string): Promise<Record<string, unknown>> =>
      JSON.parse(
        (await kube.kubectl(['get', `${resource}.v1alpha1.operations.kubeedge.io`, name, '-o', 'json']))
          .stdout,
      ) as Record<string, unknown>;
    const upgrade = await waitFor(
      async () => {
        const j = await read('nodeupgradejobs', 'upgrade-example');
        return (j.status as { state?: string } | undefined)?.state !== undefined ? j : undefined;
      },
      { what: 'upgrade-example initialised', timeoutMs: 20_000 },
    );
    expect(upgrade.apiVersion).toBe('operations.kubeedge.io/v1alpha1');
    expect(upgrade.spec).toMatchObject({ version: 'v1.16.0', failureTolerate: '0.3', timeoutSeconds: 180 });
    // Only KubeEdge's v1alpha1 status fields: no v1alpha2 phase or progress.
    const upgradeStatus = Object.keys(upgrade.status as object);
    expect(
      upgradeStatus.filter(
        (k) =>
          ![
            'state',
            'event',
            'action',
            'reason',
            'time',
            'currentVersion',
            'historicVersion',
            'nodeStatus',
          ].includes(k),
      ),
    ).toEqual([]);
    const prePull = await waitFor(
      async () => {
        const j = await read('imageprepulljobs', 'imageprepull-example');
        return (j.status as { state?: string } | undefined)?.state !== undefined ? j : undefined;
      },
      { what: 'imageprepull-example initialised', timeoutMs: 20_000 },
    );
    const status = prePull.status as { status?: { nodeStatus?: Record<string, unknown> }[] };
    expect(
      Object.keys(prePull.status as object).filter(
        (k) => !['state', 'event', 'action', 'reason', 'time', 'status'].includes(k),
      ),
    ).toEqual([]);
    expect(status.status?.[0]?.nodeStatus).toMatchObject({ nodeName: 'edgenode1', state: 'Failed' });
    expect(status.status?.[0]?.nodeStatus).not.toHaveProperty('phase');
  });

  it('accepts a v1alpha1 job that pins its release with imageDigestGatter.value', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const manifest = `${v1alpha1Job('pinned-by-value')}  imageDigestGatter:\n    value: "${digest}"\n`;
    await kube.kubectl(['apply', '-f', '-'], { input: manifest });
    const job = await serverJob('pinned-by-value');
    expect(job.spec.imageDigestGatter).toEqual({ value: digest });
  });
});
