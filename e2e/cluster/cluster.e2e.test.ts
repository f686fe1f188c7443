// Cluster mode end to end: a real kube-apiserver + etcd holds Nodes, jobs and
// the leader Lease; two controllermanagers (leader-elected) and two cloudcore
// replicas run as processes, each with a token of its own ServiceAccount
// bound by configs/k8s/rbac.yaml; four edge nodes installed from a release
// under the supervisor are split across the replicas and know both addresses.
import { LocalEdge, type CloudCoreReplica } from '@kedge/localup';
import { waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit, usedBy } from './audit-log.ts';
import { ClusterFleet, grantedBy, saUser, type UpgradeJob } from './cluster-fleet.ts';
import { cloudcoreRoleWithout } from './limited-role.ts';

const NODES = ['c-1', 'c-2', 'c-3', 'c-4'];
const FLOW = ['Check=True', 'WaitingConfirmation=True', 'Backup=True', 'Upgrade=True'];

const actionsOf = (e: { actionFlow?: { action: string; status: string }[] }): string[] =>
  (e.actionFlow ?? []).map((a) => `${a.action}=${a.status}`);

/** Samples the job every 50 ms: the most entries ever InProgress at once. */
function sampleInProgress(fleet: ClusterFleet, job: string): { max(): number; stop(): void } {
  let max = 0;
  const timer = setInterval(() => {
    void fleet.job(job).then(
      (j) => {
        const n = (j?.status?.nodeStatus ?? []).filter((e) => e.phase === 'InProgress').length;
        max = Math.max(max, n);
      },
      () => undefined,
    );
  }, 50);
  return { max: () => max, stop: () => clearInterval(timer) };
}

function expectEveryNodeUpgraded(job: UpgradeJob, version: string): void {
  expect(job.status?.phase).toBe('Completed');
  expect(job.status?.nodeStatus?.map((e) => e.nodeName).sort()).toEqual(NODES);
  for (const e of job.status?.nodeStatus ?? []) {
    expect({ node: e.nodeName, phase: e.phase, actions: actionsOf(e) }).toEqual({
      node: e.nodeName,
      phase: 'Successful',
      actions: FLOW,
    });
    expect(e.currentVersion).toBe(version);
  }
}

describe('cluster mode on a real kube-apiserver', () => {
  const fleet = new ClusterFleet();
  let r0: CloudCoreReplica;
  let r1: CloudCoreReplica;

  beforeAll(async () => {
    await fleet.start();
    await fleet.cloud.startControllerManager();
    await fleet.cloud.startControllerManager();
    r0 = await fleet.cloud.addCloudCore();
    r1 = await fleet.cloud.addCloudCore();
  }, 300_000);
  afterAll(() => fleet.close(), 120_000);

  it('nodes register and go Ready as real Node objects, split across the two replicas', async () => {
    await fleet.addEdge('c-1', [r0, r1]);
    await fleet.addEdge('c-2', [r0, r1]);
    await fleet.addEdge('c-3', [r1, r0]);
    await fleet.addEdge('c-4', [r1, r0]);
    await fleet.waitReady(NODES);

    const listed = JSON.parse((await fleet.kube.kubectl(['get', 'nodes', '-o', 'json'])).stdout) as {
      items: {
        metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
        status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } };
      }[];
    };
    const byName = new Map(listed.items.map((n) => [n.metadata.name, n]));
    for (const name of NODES) {
      const n = byName.get(name);
      expect(n?.metadata.labels['node-role.kubernetes.io/edge']).toBe('');
      expect(n?.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n?.status.nodeInfo.kubeletVersion).toBe('v1.0.0');
    }
    expect(NODES.map((n) => byName.get(n)?.metadata.annotations['cloudcore'])).toEqual([
      'cloudcore-0',
      'cloudcore-0',
      'cloudcore-1',
      'cloudcore-1',
    ]);

    const leader = await fleet.leader();
    expect(leader.process).toBeDefined();
    const standby = fleet.cloud.controllerManagers.find((c) => c.id !== leader.process);
    await standby?.running.waitForLine(/standing by: lease kubeedge\/kedge-controllermanager is held by/);
  });

  it('upgrades all four with global concurrency, keeps every report, and survives a replica dying mid-job', async () => {
    await fleet.releases.publish('v1.1.0');
    const sampler = sampleInProgress(fleet, 'fleet-upgrade');
    let job: UpgradeJob;
    try {
      await fleet.createJob('fleet-upgrade', { nodeNames: NODES, version: 'v1.1.0', concurrency: 2 });
      // Mid-job: cloudcore-0 has started a task on one of its nodes.
      const victim = await waitFor(
        async () =>
          (await fleet.job('fleet-upgrade'))?.status?.nodeStatus?.find(
            (e) => e.phase === 'InProgress' && e.dispatchedBy === 'cloudcore-0',
          ),
        { what: 'a node of cloudcore-0 in the middle of its task', timeoutMs: 60_000, intervalMs: 50 },
      );
      await r0.killHard();
      for (const node of ['c-1', 'c-2']) {
        await waitFor(async () => (await fleet.holder(node)) === 'cloudcore-1', {
          what: `${node} held by cloudcore-1 after cloudcore-0 died`,
          timeoutMs: 30_000,
        });
      }
      job = await fleet.finished('fleet-upgrade');
      expect(job.status?.nodeStatus?.find((e) => e.nodeName === victim.nodeName)?.phase).toBe('Successful');
    } finally {
      sampler.stop();
    }
    expectEveryNodeUpgraded(job, 'v1.1.0');
    expect(sampler.max()).toBeGreaterThanOrEqual(1);
    expect(sampler.max()).toBeLessThanOrEqual(2);
    for (const node of NODES) expect(await fleet.runningVersion(node)).toBe('v1.1.0');
    await r1.running.waitForLine(/node task re-sent/, 1000);
    await r0.start(); // back for the next tests; its nodes stay where they are
  });

  it('a controllermanager killed mid-job is replaced by the standby; restarted, it stands by; nothing is lost', async () => {
    await fleet.releases.publish('v1.2.0');
    await fleet.createJob('after-failover', { nodeNames: NODES, version: 'v1.2.0', concurrency: 1 });
    await waitFor(
      async () =>
        (await fleet.job('after-failover'))?.status?.nodeStatus?.some((e) => (e.actionFlow?.length ?? 0) > 0),
      { what: 'the job under way', timeoutMs: 60_000, intervalMs: 50 },
    );
    const before = await fleet.leader();
    const killed = fleet.cloud.controllerManagers.find((c) => c.id === before.process);
    const other = fleet.cloud.controllerManagers.find((c) => c.id !== before.process);
    if (!killed || !other) throw new Error(`leader ${before.identity} is not one of the local processes`);
    await killed.killHard();
    await other.running.waitForLine(/became leader/, 20_000);
    await killed.start();
    await killed.running.waitForLine(/standing by/, 10_000);

    const job = await fleet.finished('after-failover');
    expectEveryNodeUpgraded(job, 'v1.2.0');
    const after = await fleet.leader();
    expect(after.process).toBe(other.id);
    const lease = await fleet.admin.get('Lease', 'kedge-controllermanager', 'kubeedge');
    expect(lease?.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
  });

  it('a cloudcore whose token lacks a permission says which verb on which resource', async () => {
    const cloud = fleet.cloud;
    await fleet.kube.kubectl(['apply', '-f', '-'], {
      input: cloudcoreRoleWithout('cloudcore-no-node-status', 'patch', 'nodes/status'),
    });
    const noNodeStatus = await cloud.addCloudCore({
      kubeconfig: await fleet.kubeconfigOf('cloudcore-no-node-status'),
    });
    const lonely = await LocalEdge.create(fleet.dir.path, {
      name: 'rbac-1',
      server: noNodeStatus.address,
      token: cloud.token('rbac-1'),
      heartbeat: 1,
    });
    await lonely.start();
    try {
      const line = await noNodeStatus.running.waitForLine(/forbidden: cannot patch resource/, 20_000);
      expect(line).toContain(
        'cannot patch resource \\"nodes/status\\" in API group \\"\\" at the cluster scope',
      );
      expect(line).toContain('rbac-1');
      const node = await fleet.admin.get('Node', 'rbac-1');
      expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).not.toBe('True');
    } finally {
      await lonely.stop();
      await noNodeStatus.stop();
    }

    await fleet.kube.kubectl(['apply', '-f', '-'], {
      input: cloudcoreRoleWithout('cloudcore-no-job-status', 'update', 'nodeupgradejobs/status'),
    });
    const noJobStatus = await cloud.addCloudCore({
      kubeconfig: await fleet.kubeconfigOf('cloudcore-no-job-status'),
    });
    const edge = await LocalEdge.create(fleet.dir.path, {
      name: 'rbac-2',
      server: noJobStatus.address,
      token: cloud.token('rbac-2'),
      heartbeat: 1,
      taskManager: true,
    });
    await edge.start();
    try {
      await fleet.waitReady(['rbac-2']);
      await fleet.createJob('rbac-job', { nodeNames: ['rbac-2'], version: 'v1.1.0' });
      const line = await noJobStatus.running.waitForLine(/forbidden: cannot update resource/, 30_000);
      expect(line).toContain(
        'cannot update resource \\"nodeupgradejobs/status\\" in API group \\"operations.kubeedge.io\\" at the cluster scope',
      );
      const job = await fleet.job('rbac-job');
      expect(job?.status?.nodeStatus?.[0]?.phase).toBe('Pending'); // nothing was claimed
    } finally {
      await edge.stop();
      await noJobStatus.stop();
    }
  });

  it('each process used nothing rbac.yaml does not grant it and was never refused', () => {
    const rows = readAudit(fleet.auditLog);
    for (const sa of ['cloudcore', 'controllermanager']) {
      const user = saUser(sa);
      const used = usedBy(rows, user);
      const granted = grantedBy(sa);
      console.log(
        `${sa} used: ${used.join(', ')}\n${sa} granted but unused: ${granted.filter((g) => !used.includes(g)).join(', ')}`,
      );
      expect(used.filter((u) => !granted.includes(u))).toEqual([]);
      expect(rows.filter((r) => r.user === user && r.code === 403)).toEqual([]);
    }
    expect(usedBy(rows, saUser('cloudcore'))).toEqual(
      expect.arrayContaining([
        'create nodes',
        'get nodes',
        'update nodes',
        'patch nodes/status',
        'list nodeupgradejobs',
        'watch nodeupgradejobs',
        'update nodeupgradejobs/status',
      ]),
    );
    expect(usedBy(rows, saUser('controllermanager'))).toEqual(
      expect.arrayContaining([
        'create leases',
        'get leases',
        'update leases',
        'list nodes',
        'watch nodes',
        'update nodeupgradejobs',
        'update nodeupgradejobs/status',
      ]),
    );
  });
});
