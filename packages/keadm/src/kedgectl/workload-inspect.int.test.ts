// kedgectl inspecting workloads as a user runs it, in its own process against
// a real SQLite store that the test fills the way the controllers and
// cloudcore would: get pods/deployments/replicasets with kubectl's computed
// columns, describe pod/node/deployment with their Events, rollout status
// waiting on a live status change, delete of pods and deployments.
import { join } from 'node:path';
import type { Deployment, Event, Node, Pod, ReplicaSet } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = 'packages/keadm/src/bin/kedgectl.ts';
let dir: TempDir;
let storePath: string;

beforeEach(async () => {
  dir = await tempDir('kedgectl-inspect-');
  storePath = join(dir.path, 'kedge.db');
});
afterEach(async () => {
  await dir.cleanup();
});

function start(args: string[]): ReturnType<typeof startProcess> {
  return startProcess({
    name: `kedgectl ${args[0] ?? ''}`,
    args: [BIN, ...args],
    env: { KEDGE_STORE_PATH: storePath },
  });
}

async function kedgectl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

async function withStore<T>(fn: (store: ResourceStore) => Promise<T>): Promise<T> {
  const store = openSqliteStore({ path: storePath });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
};

function pod(name: string, status: Pod['status']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      nodeName: 'edge-1',
      containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
    },
    status,
  };
}

function event(
  name: string,
  involved: Event['involvedObject'],
  reason: string,
  message: string,
  at: string,
): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: involved,
    reason,
    message,
    type: reason === 'BackOff' ? 'Warning' : 'Normal',
    source: { component: 'kubelet', host: 'edge-1' },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

const ago = (s: number): string => new Date(Date.now() - s * 1000).toISOString();

/** A node, a running pod, a crash-looping pod, a Deployment with its ReplicaSet, and events. */
async function seed(): Promise<void> {
  await withStore(async (store) => {
    const node = await store.create('Node', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'edge-1', labels: { 'node-role.kubernetes.io/edge': '' } },
    } as Node);
    await store.updateStatus('Node', {
      ...node,
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'EdgeReady', message: 'edgecore is posting ready status' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
        nodeInfo: { kubeletVersion: 'v1.21.0-kedge', architecture: 'amd64' },
      },
    });
    const running = await store.create('Pod', pod('web-a', undefined));
    await store.updateStatus('Pod', {
      ...running,
      status: {
        phase: 'Running',
        podIP: '10.88.0.4',
        podIPs: [{ ip: '10.88.0.4' }],
        hostIP: '10.0.0.5',
        startTime: ago(120),
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'ContainersReady', status: 'True' },
        ],
        containerStatuses: [
          {
            name: 'nginx',
            ready: true,
            restartCount: 0,
            image: 'nginx:1.27',
            containerID: 'containerd://abc',
            state: { running: { startedAt: ago(100) } },
          },
        ],
      },
    });
    const crashing = await store.create('Pod', pod('web-b', undefined));
    await store.updateStatus('Pod', {
      ...crashing,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'nginx',
            ready: false,
            restartCount: 4,
            image: 'nginx:1.27',
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
            },
            lastState: {
              terminated: { exitCode: 1, reason: 'Error', startedAt: ago(40), finishedAt: ago(30) },
            },
          },
        ],
      },
    });
    const ref = { kind: 'Pod', name: 'web-b', namespace: 'default' };
    await store.create(
      'Event',
      event('web-b.2', ref, 'BackOff', 'Back-off restarting failed container', ago(10)),
    );
    await store.create('Event', event('web-b.1', ref, 'Started', 'Started container nginx', ago(60)));
    await store.create(
      'Event',
      event('web-a.1', { kind: 'Pod', name: 'web-a' }, 'Pulled', 'not about web-b', ago(5)),
    );
    const d = await store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
    } as Deployment);
    await store.updateStatus('Deployment', {
      ...d,
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
      },
    });
    const rs = await store.create('ReplicaSet', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-5d8f9',
        namespace: 'default',
        labels: { app: 'web', 'pod-template-hash': '5d8f9' },
        annotations: { 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: d.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f9' } },
        template: { ...template, metadata: { labels: { app: 'web', 'pod-template-hash': '5d8f9' } } },
      },
    } as ReplicaSet);
    await store.updateStatus('ReplicaSet', {
      ...rs,
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
    });
  });
}

describe('kedgectl get on workloads', () => {
  it('get pods shows READY, the kubelet reason as STATUS and summed RESTARTS; -o wide adds IP and NODE', async () => {
    await seed();
    const table = await kedgectl(['get', 'pods']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines[1]).toMatch(/^web-a\s+1\/1\s+Running\s+0\s+\d+s$/);
    expect(lines[2]).toMatch(/^web-b\s+0\/1\s+CrashLoopBackOff\s+4 \(3\ds ago\)\s+\d+s$/);
    const wide = await kedgectl(['get', 'po', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(wide.stdout).toMatch(/web-a\s+1\/1\s+Running\s+0\s+\d+s\s+10\.88\.0\.4\s+edge-1\s/);
    expect(wide.stdout).toMatch(/web-b\s+.*\s+<none>\s+edge-1\s/);
  });

  it('get deployments and replicasets print kubectl’s columns', async () => {
    await seed();
    const deploy = await kedgectl(['get', 'deploy']);
    expect(deploy.stdout).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+1\/2\s+2\s+1\s+\d+s\n$/,
    );
    const rs = await kedgectl(['get', 'rs', '-o', 'wide']);
    expect(rs.stdout).toMatch(
      /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb-5d8f9\s+2\s+2\s+1\s+\d+s\s+nginx\s+nginx:1\.27\s+app=web,pod-template-hash=5d8f9\n$/,
    );
  });
});

describe('kedgectl describe', () => {
  it('describe pod shows state, last state, restarts, conditions and its own events oldest first', async () => {
    await seed();
    const { code, stdout } = await kedgectl(['describe', 'pod', 'web-b']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Name:\s+web-b\nNamespace:\s+default\n/);
    expect(stdout).toMatch(/\nNode:\s+edge-1\n/);
    expect(stdout).toMatch(/\nStatus:\s+Running\nReason:\s+CrashLoopBackOff\n/);
    expect(stdout).toMatch(/\n {2}nginx:\n {4}Container ID: *\n {4}Image:\s+nginx:1\.27\n/);
    expect(stdout).toMatch(/ {4}State:\s+Waiting\n {6}Reason:\s+CrashLoopBackOff\n/);
    expect(stdout).toMatch(/ {4}Last State:\s+Terminated\n {6}Reason:\s+Error\n(.*\n)? {6}Exit Code:\s+1\n/);
    expect(stdout).toMatch(/ {4}Ready:\s+False\n {4}Restart Count:\s+4\n/);
    expect(stdout).toMatch(/\nConditions:\n {2}Type\s+Status\n {2}Ready\s+False\n/);
    const events = stdout.slice(stdout.indexOf('Events:'));
    expect(events).toMatch(/^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n {2}----\s+------/);
    expect(events.indexOf('Started container nginx')).toBeLessThan(events.indexOf('Back-off restarting'));
    expect(events).toMatch(
      /Warning\s+BackOff\s+1\ds\s+kubelet, edge-1\s+Back-off restarting failed container/,
    );
    expect(events).not.toContain('not about web-b');
  });

  it('describe node shows conditions, addresses, system info and the pods bound to it', async () => {
    await seed();
    const { code, stdout } = await kedgectl(['describe', 'node', 'edge-1']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Name:\s+edge-1\nRoles:\s+edge\n/);
    expect(stdout).toMatch(
      /\n {2}Ready\s+True\s+<none>\s+<none>\s+EdgeReady\s+edgecore is posting ready status\n/,
    );
    expect(stdout).toMatch(/\nAddresses:\n {2}InternalIP:\s+10\.0\.0\.5\n/);
    expect(stdout).toMatch(/\n {2}Kubelet Version:\s+v1\.21\.0-kedge\n/);
    expect(stdout).toMatch(/\nNon-terminated Pods:\s+\(2 in total\)\n/);
    expect(stdout).toMatch(/\n {2}default\s+web-a\s+\d+s\n/);
    expect(stdout).toMatch(/\nEvents:\s+<none>\n$/);
  });

  it('describe deployment shows the replica counts, the pod template and its ReplicaSet', async () => {
    await seed();
    const { code, stdout } = await kedgectl(['describe', 'deployment', 'web']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\nSelector:\s+app=web\n/);
    expect(stdout).toMatch(
      /\nReplicas:\s+2 desired \| 2 updated \| 2 total \| 1 available \| 1 unavailable\n/,
    );
    expect(stdout).toMatch(/\nRollingUpdateStrategy:\s+25% max unavailable, 25% max surge\n/);
    expect(stdout).toMatch(/\nPod Template:\n {2}Labels:\s+app=web\n {2}Containers:\n {3}? ?nginx:\n/);
    expect(stdout).toMatch(/\n {3}? ?\s*Port:\s+80\/TCP\n/);
    expect(stdout).toMatch(/\nNewReplicaSet:\s+web-5d8f9 \(2\/2 replicas created\)\n/);
  });

  it('describe of a kind it does not know how to describe, or a missing name, is a clear error', async () => {
    await seed();
    const missing = await kedgectl(['describe', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Pod "nope" not found');
    const other = await kedgectl(['describe', 'configmaps', 'x']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('cannot be described');
  });
});

describe('kedgectl rollout status and delete', () => {
  it('waits while replicas are unavailable and returns once the rollout completes', async () => {
    await seed();
    const p = start(['rollout', 'status', 'deployment/web', '--timeout', '60s']);
    await p.waitForLine(
      /Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available\.\.\./,
    );
    await withStore(async (store) => {
      const d = await store.get('Deployment', 'web', 'default');
      if (!d) throw new Error('deployment web is gone');
      await store.updateStatus('Deployment', {
        ...d,
        status: {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          readyReplicas: 2,
          availableReplicas: 2,
        },
      });
    });
    const { code } = await p.exited;
    expect(code).toBe(0);
    expect(p.stdout()).toContain('deployment "web" successfully rolled out\n');
  });

  it('gives up at --timeout with a coded error', async () => {
    await seed();
    const { code, stdout, stderr } = await kedgectl([
      'rollout',
      'status',
      'deploy',
      'web',
      '--timeout',
      '1s',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('1 of 2 updated replicas are available');
    expect(stderr).toContain('timed out waiting for the condition');
  });

  it('delete removes pods and deployments by name', async () => {
    await seed();
    expect((await kedgectl(['delete', 'pod', 'web-a'])).stdout).toBe('pod "web-a" deleted\n');
    expect((await kedgectl(['delete', 'deployment', 'web'])).stdout).toBe('deployment.apps "web" deleted\n');
    const pods = await kedgectl(['get', 'pods', '-o', 'name']);
    expect(pods.stdout).toBe('pod/web-b\n');
  });
});
