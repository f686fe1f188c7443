// The edge side of the pod pipeline end to end: the real startEdgeCore (edged
// enabled) against a scripted cloud over a real WebSocket on 127.0.0.1, and a
// real containerd (CRI, runc, CNI) inside a network namespace this test
// creates, as in pod-worker.int.test.ts. The cloud sends a ConfigMap and a
// Pod; the edge acks each only once its SQLite holds it; the pod runs and its
// Running/Ready status comes up; an older resourceVersion is ignored. Then
// edgecore restarts with the cloud gone: the container is adopted (same ID),
// a killed container is restarted with its env and volume from the edge
// cache, and the status the cloud missed goes up after reconnect (only the
// newest). A pod deleted while edgecore was down is stopped and removed
// beside the others, not before them. An image update replaces the container in the same sandbox; a
// changed ConfigMap reaches the running container's volume. A
// pod marked for deletion is stopped and removed; after the final
// delete a late update of it is refused.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  newMessage,
  replyTo,
  type Message,
  type ObjectAckContent,
  type Pod,
  type RegisterNodeContent,
} from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { waitFor, type TempDir, type TestContainerd } from '@kedge/testing';
import { startEdgeCore, type RunningEdgeCore } from '../app.ts';
import { loadEdgeCoreConfig, type EdgeCoreConfig } from '../config/index.ts';
import { CriRuntimeService, type CriClient } from '../cri/index.ts';
import type { PodStatusRequest } from './pod-status-report.ts';
import { CNI_BIN_DIR, type PodRuntime } from './runtime/index.ts';
import type { PodTestImages } from '../../test/test-pod-images.ts';
import { startTestPodNode, type TestPodNode } from '../../test/test-pod-node.ts';

const NODE = 'edge-1';
const POD_CIDR = '10.244.11.0/24';
const log = createLogger({ name: 'edged-test', level: process.env['KEDGE_LOG_LEVEL'] ?? 'silent' });

/** A cloud that registers the node, acks every sync report and records what arrives. */
class ScriptedCloud {
  readonly received: Message[] = [];
  readonly sockets: WebSocket[] = [];
  readonly server: WebSocketServer;

  constructor(port = 0) {
    this.server = new WebSocketServer({ host: '127.0.0.1', port });
    this.server.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Message;
        if (msg.route.operation === 'keepalive') return;
        this.received.push(msg);
        if (msg.header.sync) ws.send(JSON.stringify(replyTo(msg, 'cloudhub', 'OK')));
      });
    });
  }

  async port(): Promise<number> {
    if (!this.server.address()) await new Promise((resolve) => this.server.once('listening', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  get connected(): boolean {
    return this.sockets.some((s) => s.readyState === s.OPEN);
  }

  /** Sends an object message and resolves with the edge's answer to it. */
  async send(operation: string, resource: string, content: unknown): Promise<Message> {
    const msg = newMessage({ source: 'edgecontroller', group: 'resource', operation, resource, content });
    const at = this.received.length;
    for (const ws of this.sockets) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    return waitFor(() => this.received.slice(at).find((m) => m.header.parent_msg_id === msg.header.msg_id), {
      what: `the edge's answer to ${operation} ${resource}`,
    });
  }

  statuses(name: string): PodStatusRequest[] {
    return this.received
      .filter((m) => m.route.resource === `default/podstatus/${name}`)
      .map((m) => m.content as PodStatusRequest);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.splice(0)) ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let dir: TempDir;
let node: TestPodNode;
let images: PodTestImages;
let ctd: TestContainerd;
let cri: CriClient;
let runtime: PodRuntime;
let cgroupRoot: string;
let cloud: ScriptedCloud;
let cloudPort: number;
let edge: RunningEdgeCore | undefined;

function edgeConfig(): EdgeCoreConfig {
  return loadEdgeCoreConfig({
    env: {},
    overrides: {
      database: { dataSource: join(dir.path, 'edgecore.db') },
      modules: {
        edgeHub: {
          token: 'test-token',
          httpServer: '',
          tlsCaFile: '',
          heartbeat: 15,
          reconnect: { initialDelay: 0.1, maxDelay: 0.3 },
          websocket: { server: `127.0.0.1:${cloudPort}` },
        },
        metaManager: { metaServer: { enable: false } },
        edged: {
          enable: true,
          hostnameOverride: NODE,
          podCIDR: POD_CIDR,
          rootDirectory: join(dir.path, 'edged'),
          secretsDirectory: join(dir.path, 'secrets'),
          podLogsRoot: join(dir.path, 'logs'),
          cgroupRoot,
          cniBinDir: CNI_BIN_DIR,
          cniConfDir: join(dir.path, 'cni', 'net.d'),
          tailoredKubeletConfig: { containerRuntimeEndpoint: ctd.endpoint },
        },
      },
    },
  });
}

const busyboxV2 = () => `${images.busybox.replace(/:[^:/]+$/, '')}:v2`;
const podUid = randomUUID();
const webPod = (
  resourceVersion: string,
  labels: Record<string, string> = {},
  image = images.busybox,
): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: podUid,
    resourceVersion,
    labels: { app: 'web', ...labels },
  },
  spec: {
    nodeName: NODE,
    // this cloud stand-in sends no ServiceAccount token (e2e/workloads/kedgectl-logs covers tokens)
    automountServiceAccountToken: false,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: 'web',
        image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', 'exec sleep 3600'],
        env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'greeting' } } }],
        volumeMounts: [{ name: 'config', mountPath: '/config' }],
        readinessProbe: { exec: { command: ['cat', '/config/greeting'] }, periodSeconds: 1 },
      },
    ],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
  },
});
const webConfig = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'default', uid: randomUUID(), resourceVersion: '5' },
  data: { greeting: 'hello from the cache' },
};

/** The pod's containers on the runtime, newest attempt first. */
async function podContainers() {
  const pods = await runtime.listPods({ namespace: 'default', name: 'web', uid: podUid });
  return pods.flatMap((p) => p.containers).sort((a, b) => b.attempt - a.attempt);
}

async function exec(id: string, cmd: string[]): Promise<string> {
  return (await new CriRuntimeService(cri).execSync(id, cmd, 5)).stdout.toString('utf8').trim();
}

/** The edge database, read beside the running edgecore. */
function edgeDb<T>(read: (db: Database.Database) => T): T {
  const db = new Database(join(dir.path, 'edgecore.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Pod status reports of the pod waiting in the edge's outbox. */
function pendingStatuses(): PodStatusRequest[] {
  const rows = edgeDb((db) =>
    db
      .prepare("SELECT message FROM outbox WHERE json_extract(message, '$.route.resource') = ?")
      .all('default/podstatus/web'),
  ) as { message: string }[];
  return rows.map((r) => (JSON.parse(r.message) as Message).content as PodStatusRequest);
}

const restarts = (s: PodStatusRequest) => s.Status.containerStatuses[0]?.restartCount;
const ready = (s: PodStatusRequest | undefined) =>
  s?.Status.phase === 'Running' && s.Status.conditions.find((c) => c.type === 'Ready')?.status === 'True';

beforeAll(async () => {
  // containerd loads the pod network config edged writes at start; the IPAM state is where edged keeps it.
  node = await startTestPodNode({
    prefix: 'kedge-edged-',
    podCidr: POD_CIDR,
    ipamDataDir: join('edged', 'cni-ipam'),
    log,
  });
  ({ dir, images, ctd, cri, runtime, cgroupRoot } = node);
  // The "new version" of the image for the update step: the same content under another name.
  await ctd.ctr(['images', 'tag', images.busybox, busyboxV2()]);
  cloud = new ScriptedCloud();
  cloudPort = await cloud.port();
}, 120_000);

afterAll(async () => {
  await edge?.stop().catch(() => undefined);
  await cloud?.close().catch(() => undefined);
  await node?.stop();
}, 120_000);

describe('edged in edgecore: cloud objects to running pods and status back', () => {
  let firstContainer = '';

  it('acks the ConfigMap and the Pod after the SQLite write, runs the pod, and reports it Running and Ready', async () => {
    edge = await startEdgeCore(edgeConfig(), log);
    await waitFor(() => cloud.connected && edge?.edgeHub.state === 'connected', {
      what: 'the edge registered',
    });
    const register = cloud.received.find((m) => m.route.resource === `null/node/${NODE}`);
    const info = register?.content as RegisterNodeContent;
    expect(info.capacity).toMatchObject({ pods: '110' });
    expect(info.capacity?.['cpu']).toMatch(/^\d+$/);
    expect(info.capacity?.['memory']).toMatch(/^\d+Ki$/);
    expect(info.allocatable).toEqual(info.capacity);
    expect(info.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/.+/);

    const cmAck = await cloud.send('insert', 'default/configmap/web-config', webConfig);
    // Answered only once the row is there: read it right when the ack arrives.
    const cmRow = edgeDb((db) =>
      db.prepare('SELECT resource_version FROM meta WHERE key = ?').get('default/configmap/web-config'),
    );
    expect(cmRow).toEqual({ resource_version: '5' });
    expect(cmAck.content).toEqual({
      status: 'OK',
      objectUID: webConfig.metadata.uid,
      objectResourceVersion: '5',
      outcome: 'applied',
    } satisfies ObjectAckContent);

    const podAck = await cloud.send('insert', 'default/pod/web', webPod('6'));
    expect(podAck.content).toMatchObject({
      objectUID: podUid,
      objectResourceVersion: '6',
      outcome: 'applied',
    });

    const status = await waitFor(() => cloud.statuses('web').find(ready), {
      timeoutMs: 30_000,
      what: 'a Running and Ready status upstream',
    });
    expect(status).toMatchObject({ UID: podUid, Name: 'web' });
    expect(status.Status.podIP).toMatch(/^10\.244\.11\.\d+$/);
    firstContainer = status.Status.containerStatuses[0]?.containerID?.replace('containerd://', '') ?? '';
    expect(firstContainer).toMatch(/^[0-9a-f]{64}$/);
    expect(await exec(firstContainer, ['/bin/sh', '-c', 'echo $GREETING'])).toBe('hello from the cache');
  }, 60_000);

  it('ignores an older resourceVersion of the pod and says which version it holds', async () => {
    const ack = await cloud.send('update', 'default/pod/web', webPod('4', { stale: 'yes' }));
    expect(ack.content).toMatchObject({ objectResourceVersion: '6', outcome: 'stale' });
    const row = edgeDb((db) => db.prepare('SELECT value FROM meta WHERE key = ?').get('default/pod/web')) as {
      value: string;
    };
    expect((JSON.parse(row.value) as Pod).metadata.labels).toEqual({ app: 'web' });
  });

  it('restarts with the cloud unreachable: adopts the container, restarts a killed one from the cache, reports after reconnect', async () => {
    await edge?.stop();
    await cloud.close();
    edge = await startEdgeCore(edgeConfig(), log);
    // Adopted, not restarted: the same container keeps running.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const adopted = await podContainers();
    expect(adopted.map((c) => [c.id, c.state])).toEqual([[firstContainer, 'running']]);

    // A crash while offline: edged restarts it, env and volume from the edge cache.
    const { info } = await new CriRuntimeService(cri).containerStatus(firstContainer, { verbose: true });
    process.kill((JSON.parse(info['info'] ?? '{}') as { pid: number }).pid, 'SIGKILL');
    const restarted = await waitFor(
      async () => (await podContainers()).find((c) => c.attempt === 1 && c.state === 'running'),
      { timeoutMs: 20_000, what: 'the killed container started again' },
    );
    expect(await exec(restarted.id, ['/bin/sh', '-c', 'echo $GREETING'])).toBe('hello from the cache');
    expect(await exec(restarted.id, ['/bin/sh', '-c', 'cat /config/greeting'])).toBe('hello from the cache');

    // The status the cloud could not get waits in the outbox: only the newest for the pod.
    await waitFor(() => pendingStatuses().some((s) => ready(s) && restarts(s) === 1), {
      timeoutMs: 20_000,
      what: 'the Ready status with restartCount 1 in the outbox',
    });
    expect(pendingStatuses()).toHaveLength(1);

    cloud = new ScriptedCloud(cloudPort);
    await waitFor(() => cloud.connected, { timeoutMs: 10_000, what: 'the edge to reconnect' });
    const caughtUp = await waitFor(() => cloud.statuses('web').find((s) => ready(s) && restarts(s) === 1), {
      what: 'the pending status after reconnect',
    });
    expect(caughtUp.Status.containerStatuses[0]?.containerID).toBe(`containerd://${restarted.id}`);
  }, 60_000);

  it('pods deleted while edgecore was down are removed together, without holding up the others', async () => {
    // sleep as the container's first process ignores SIGTERM: stopping it takes the whole grace period
    const gone = ['gone-a', 'gone-b'].map((name) => {
      const pod = webPod('1');
      pod.metadata = { name, namespace: 'default', uid: randomUUID(), resourceVersion: '1' };
      pod.spec.containers = [{ name: 'gone', image: images.busybox, command: ['sleep', '3600'] }];
      pod.spec.volumes = [];
      // Its own grace period, recorded on the sandbox: edgecore comes back knowing nothing else of it.
      pod.spec.terminationGracePeriodSeconds = 10;
      return pod;
    });
    const listed = (pod: Pod) =>
      runtime.listPods({ namespace: 'default', name: pod.metadata.name, uid: pod.metadata.uid ?? '' });
    const goneRunning = async () => {
      for (const pod of gone) {
        if (!(await listed(pod)).some((p) => p.containers.some((c) => c.state === 'running'))) return false;
      }
      return true;
    };
    for (const pod of gone) await cloud.send('insert', `default/pod/${pod.metadata.name}`, pod);
    await waitFor(goneRunning, { timeoutMs: 30_000, what: 'the pods to be deleted running' });

    await edge?.stop();
    // deleted while edgecore is down: gone from its database; and the other pod's container dies
    const db = new Database(join(dir.path, 'edgecore.db'), { fileMustExist: true });
    for (const pod of gone)
      db.prepare('DELETE FROM meta WHERE key = ?').run(`default/pod/${pod.metadata.name}`);
    db.close();
    const [running] = await podContainers();
    const { info } = await new CriRuntimeService(cri).containerStatus(running?.id ?? '', { verbose: true });
    process.kill((JSON.parse(info['info'] ?? '{}') as { pid: number }).pid, 'SIGKILL');
    edge = await startEdgeCore(edgeConfig(), log);

    // The cached pod is looked after at once (not after the orphans' grace period).
    const started = Date.now();
    await waitFor(
      async () =>
        (await podContainers()).find(
          (c) => c.attempt === (running?.attempt ?? 0) + 1 && c.state === 'running',
        ),
      { timeoutMs: 20_000, what: 'the killed container started again beside the orphans being stopped' },
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await goneRunning()).toBe(true);
    // Both wait out their own 10 s grace (not the 30 s default) at the same time: one after the
    // other would take 20 s.
    await waitFor(
      async () => {
        for (const pod of gone) if ((await listed(pod)).length > 0) return false;
        return true;
      },
      { timeoutMs: 50_000, what: 'both pods deleted while edgecore was down removed from the runtime' },
    );
    expect(Date.now() - started).toBeLessThan(19_000);
  }, 150_000);

  it("replaces the container when the pod's image is updated, in the same sandbox", async () => {
    const before = await podContainers();
    const ack = await cloud.send('update', 'default/pod/web', webPod('7', {}, busyboxV2()));
    expect(ack.content).toMatchObject({ objectResourceVersion: '7', outcome: 'applied' });
    const updated = await waitFor(
      () =>
        cloud.statuses('web').find((s) => ready(s) && s.Status.containerStatuses[0]?.image === busyboxV2()),
      { timeoutMs: 20_000, what: 'a Ready status running the new image' },
    );
    const next = (before[0]?.attempt ?? 0) + 1;
    expect(restarts(updated)).toBe(next);
    const after = await podContainers();
    expect(after[0]?.sandboxId).toBe(before[0]?.sandboxId);
    expect(after[0]?.attempt).toBe(next);
    expect(await exec(after[0]?.id ?? '', ['/bin/sh', '-c', 'echo $GREETING'])).toBe('hello from the cache');
  }, 30_000);

  it("writes a changed ConfigMap into the running pod's volume (env keeps its start value)", async () => {
    const [running] = await podContainers();
    const ack = await cloud.send('update', 'default/configmap/web-config', {
      ...webConfig,
      metadata: { ...webConfig.metadata, resourceVersion: '10' },
      data: { greeting: 'hello again' },
    });
    expect(ack.content).toMatchObject({ objectResourceVersion: '10', outcome: 'applied' });
    await waitFor(
      async () =>
        (await exec(running?.id ?? '', ['/bin/sh', '-c', 'cat /config/greeting'])) === 'hello again',
      { what: 'the new ConfigMap value in the mounted volume' },
    );
    expect(await exec(running?.id ?? '', ['/bin/sh', '-c', 'echo $GREETING'])).toBe('hello from the cache');
    expect(await exec(running?.id ?? '', ['/bin/sh', '-c', 'ls -A /config'])).toBe('greeting');
    expect((await podContainers())[0]?.id).toBe(running?.id);
  });

  it('terminates a pod marked for deletion, acks the final delete, and a late update does not revive it', async () => {
    const marked = webPod('8');
    marked.metadata = {
      ...marked.metadata,
      deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      deletionGracePeriodSeconds: 1,
    };
    const markAck = await cloud.send('update', 'default/pod/web', marked);
    expect(markAck.content).toMatchObject({ objectResourceVersion: '8', outcome: 'applied' });
    const gone = async () =>
      (await runtime.listPods({ namespace: 'default', name: 'web', uid: podUid })).length === 0;
    await waitFor(gone, { timeoutMs: 20_000, what: 'the pod stopped and removed from the runtime' });

    const ack = await cloud.send('delete', 'default/pod/web', webPod('9'));
    expect(ack.content).toMatchObject({ objectUID: podUid, objectResourceVersion: '', outcome: 'deleted' });
    const late = await cloud.send('update', 'default/pod/web', webPod('7'));
    expect(late.content).toMatchObject({ objectUID: podUid, outcome: 'stale' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await gone()).toBe(true);
  }, 30_000);
});
