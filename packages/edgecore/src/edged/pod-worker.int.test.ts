// PodWorker against a real containerd (CRI, runc, CNI) inside a network
// namespace this test creates, as in runtime/pod-runtime.int.test.ts. Probes
// reach the pods from inside that namespace through a relay
// (test-netns-dialer.ts); pod addresses exist nowhere else. Images are built
// from busybox-static, pushed to a local registry and pulled with ctr on the
// host side (the namespace cannot reach the registry), so pods use
// imagePullPolicy IfNotPresent; the image that does not exist is pulled
// through CRI and fails for real.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Secret } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { waitFor, type TempDir, type TestNetns } from '@kedge/testing';
import { CriRuntimeService, type CriClient } from '../cri/index.ts';
import { ContainerLauncher } from './container-launcher.ts';
import { ImagePuller } from './image-puller.ts';
import type { EdgeObjectLookup, EdgePod, PodStatus } from './pod-spec.ts';
import { PodVolumes } from './pod-volumes.ts';
import { PodWorker } from './pod-worker.ts';
import { RestartBackOff } from './restart-backoff.ts';
import { StartGate } from './start-gate.ts';
import type { PodRuntime } from './runtime/index.ts';
import { startNetnsDialer, type NetnsDialer } from '../../test/test-netns-dialer.ts';
import type { PodTestImages } from '../../test/test-pod-images.ts';
import { startTestPodNode, type TestPodNode } from '../../test/test-pod-node.ts';

const POD_CIDR = '10.244.9.0/24';
const NODE = { name: 'edge-1', ip: '10.244.9.1' };
const log = createLogger({ name: 'test', level: 'silent' });

let dir: TempDir;
let node: TestPodNode;
let images: PodTestImages;
let netns: TestNetns;
let cri: CriClient;
let runtime: PodRuntime;
let relay: NetnsDialer;
let cgroupRoot: string;
let backoff: RestartBackOff;
const workers: PodWorker[] = [];
const objects = new Map<string, ConfigMap | Secret>();
const lookup: EdgeObjectLookup = {
  configMap: async (ns, name) => objects.get(`ConfigMap/${ns}/${name}`) as ConfigMap | undefined,
  secret: async (ns, name) => objects.get(`Secret/${ns}/${name}`) as Secret | undefined,
};

/** A worker with the test's node pieces; statuses it sends are collected. */
function worker(pod: EdgePod, sent: PodStatus[] = [], startGate?: StartGate): PodWorker {
  const volumes = new PodVolumes({
    podsDir: join(dir.path, 'pods'),
    secretsDir: join(dir.path, 'secrets'),
    allowedHostPaths: [join(dir.path, 'host')],
    lookup,
  });
  const images = new ImagePuller({ cri, lookup, clock: systemClock, log, backoff });
  const w = new PodWorker({
    pod,
    runtime,
    cri,
    launcher: new ContainerLauncher({ runtime, images, volumes, lookup, log }),
    volumes,
    node: NODE,
    podLogsRoot: join(dir.path, 'logs'),
    cgroupRoot,
    onStatus: async (s) => void sent.push(s),
    clock: systemClock,
    log,
    backoff,
    dial: relay.dial,
    ...(startGate ? { startGate } : {}),
  });
  workers.push(w);
  return w;
}

function pod(name: string, spec: Partial<EdgePod['spec']> & Pick<EdgePod['spec'], 'containers'>): EdgePod {
  return {
    metadata: { name, namespace: 'default', uid: randomUUID(), labels: { app: name } },
    spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 2, ...spec },
  };
}

const webPod = (): EdgePod =>
  pod('web', {
    containers: [
      {
        name: 'web',
        image: images.busybox,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c'],
        args: [
          'echo "$(POD_NAME) on $(NODE) says $GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www',
        ],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'greeting' } } },
        ],
        ports: [{ name: 'http', containerPort: 8080 }],
        volumeMounts: [
          { name: 'www', mountPath: '/www' },
          { name: 'host', mountPath: '/host' },
        ],
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
        lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'echo stopping > /host/prestop'] } } },
      },
    ],
    volumes: [
      { name: 'www', emptyDir: {} },
      { name: 'host', hostPath: { path: join(dir.path, 'host'), type: 'DirectoryOrCreate' } },
    ],
  });

const container = (w: PodWorker) => w.status?.containerStatuses[0];
const containerId = (w: PodWorker) => container(w)?.containerID?.replace('containerd://', '') ?? '';

async function containerPid(id: string): Promise<number> {
  const { info } = await new CriRuntimeService(cri).containerStatus(id, { verbose: true });
  return (JSON.parse(info['info'] ?? '{}') as { pid: number }).pid;
}

const GET =
  'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((t) => process.stdout.write(t))';

beforeAll(async () => {
  node = await startTestPodNode({ prefix: 'kedge-podworker-', podCidr: POD_CIDR, log });
  ({ dir, images, netns, cri, runtime, cgroupRoot } = node);
  await mkdir(join(dir.path, 'host'));
  relay = await startNetnsDialer(netns.prefix, join(dir.path, 'relay.sock'));
  backoff = new RestartBackOff(systemClock);
  objects.set('ConfigMap/default/web-config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config', namespace: 'default' },
    data: { greeting: 'hello' },
  });
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.detach().catch(() => undefined);
  relay?.stop();
  await node?.stop();
}, 120_000);

describe('PodWorker on containerd with CNI', () => {
  let web: EdgePod;
  let w: PodWorker;
  const sent: PodStatus[] = [];

  it('runs a pod to Running and Ready (httpGet readiness), env from fieldRef and a ConfigMap key', async () => {
    web = webPod();
    w = worker(web, sent);
    await w.start();
    const status = await waitFor(
      () => w.status?.conditions.find((c) => c.type === 'Ready')?.status === 'True' && w.status,
      {
        timeoutMs: 20_000,
        what: 'the pod to be Ready',
      },
    );
    expect(status.phase).toBe('Running');
    expect(status.podIP).toMatch(/^10\.244\.9\.\d+$/);
    expect(status).toMatchObject({ hostIP: NODE.ip, podIPs: [{ ip: status.podIP }] });
    expect(status.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(status.containerStatuses[0]).toMatchObject({
      name: 'web',
      ready: true,
      started: true,
      restartCount: 0,
      image: images.busybox,
      state: { running: {} },
      lastState: {},
    });
    expect(status.containerStatuses[0]?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(status.containerStatuses[0]?.imageID).toMatch(/sha256:[0-9a-f]{64}$/);
    const body = await netns.exec(process.execPath, ['-e', GET, `http://${status.podIP}:8080/`]);
    expect(body).toBe('web on edge-1 says hello\n');
    // Statuses went upstream only when they changed: a handful, not one per probe tick.
    expect(sent.length).toBeLessThanOrEqual(4);
    expect(sent.at(-1)).toEqual(w.status);
    const writes = sent.length;
    await new Promise((r) => setTimeout(r, 2500)); // two or three readiness probes
    expect(sent.length).toBe(writes);
  });

  it('a killed container is restarted: restartCount 1, lastState terminated, Ready again', async () => {
    const firstId = containerId(w);
    process.kill(await containerPid(firstId), 'SIGKILL');
    const status = await waitFor(
      () => container(w)?.restartCount === 1 && container(w)?.ready === true && w.status,
      { timeoutMs: 20_000, what: 'the restarted container to be ready' },
    );
    expect(status.containerStatuses[0]?.lastState.terminated).toMatchObject({
      exitCode: 137,
      reason: 'Error',
      containerID: `containerd://${firstId}`,
    });
    expect(containerId(w)).not.toBe(firstId);
    expect(status.phase).toBe('Running');
  });

  it('a fresh worker adopts the running pod: same sandbox and container ID, no restart', async () => {
    const before = w.status;
    const id = containerId(w);
    await w.detach();
    const again = worker(web);
    await again.start();
    expect(containerId(again)).toBe(id);
    expect(container(again)).toMatchObject({ restartCount: 1, state: before?.containerStatuses[0]?.state });
    expect(again.status?.podIP).toBe(before?.podIP);
    expect(again.status?.startTime).toBe(before?.startTime);
    await waitFor(() => container(again)?.ready, { timeoutMs: 10_000, what: 'readiness after adoption' });
    expect(containerId(again)).toBe(id);
    expect((await runtime.listPods()).filter((p) => p.sandbox.pod.uid === web.metadata.uid)).toHaveLength(1);
    w = again;
  });

  it('a sandbox that died is replaced, and its container started again in the new one', async () => {
    const uid = web.metadata.uid ?? '';
    const [old] = await runtime.listPods({ namespace: 'default', name: 'web', uid });
    const { info } = await new CriRuntimeService(cri).podSandboxStatus(old?.sandbox.id ?? '', {
      verbose: true,
    });
    process.kill((JSON.parse(info['info'] ?? '{}') as { pid: number }).pid, 'SIGKILL');
    const status = await waitFor(
      () => container(w)?.restartCount === 2 && container(w)?.ready === true && w.status,
      { timeoutMs: 30_000, what: 'the container to run again in a new sandbox' },
    );
    const now = await runtime.listPods({ namespace: 'default', name: 'web', uid });
    expect(now.map((p) => [p.sandbox.pod.attempt, p.sandbox.ready])).toEqual([[1, true]]);
    expect(now[0]?.sandbox.id).not.toBe(old?.sandbox.id);
    const body = await netns.exec(process.execPath, ['-e', GET, `http://${status.podIP}:8080/`]);
    expect(body).toBe('web on edge-1 says hello\n');
  });

  it('terminates gracefully: preStop hook runs, the terminal status goes up, then the pod and its volumes are removed', async () => {
    // As after an edgecore restart during which the pod was deleted: a worker that never synced.
    await w.detach();
    const sent: PodStatus[] = [];
    const deleting = worker(web, sent);
    await deleting.terminate(2, true);
    expect(await readFile(join(dir.path, 'host', 'prestop'), 'utf8')).toBe('stopping\n');
    // Marked for deletion: its last status says every container stopped, so the cloud can end the deletion.
    expect(sent).toHaveLength(1);
    expect(sent[0]?.phase).toBe('Failed');
    expect(sent[0]?.containerStatuses[0]?.state.terminated?.exitCode).toBeGreaterThan(0);
    expect(sent[0]?.containerStatuses[0]?.state.terminated?.containerID).toMatch(/^containerd:\/\//);
    expect(
      await runtime.listPods({ namespace: 'default', name: 'web', uid: web.metadata.uid ?? '' }),
    ).toEqual([]);
    await expect(readdir(join(dir.path, 'pods', web.metadata.uid ?? ''))).rejects.toThrow();
  });

  it('a failing liveness probe (exec) restarts the container', async () => {
    const live = worker(
      pod('live', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'app',
            image: images.busybox,
            imagePullPolicy: 'IfNotPresent',
            command: [
              '/bin/sh',
              '-c',
              'echo ok > /tmp/healthy; sleep 2; busybox rm /tmp/healthy; exec sleep 3600',
            ],
            livenessProbe: {
              exec: { command: ['/bin/sh', '-c', 'test -f /tmp/healthy'] },
              periodSeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      }),
    );
    await live.start();
    const firstId = await waitFor(() => containerId(live), { what: 'the container to start' });
    const status = await waitFor(
      () => container(live)?.restartCount === 1 && container(live)?.state.running && live.status,
      {
        timeoutMs: 20_000,
        what: 'a restart after the liveness probe failed',
      },
    );
    expect(status.containerStatuses[0]?.lastState.terminated?.containerID).toBe(`containerd://${firstId}`);
    await live.terminate(0);
  });

  it('a container that keeps failing goes into CrashLoopBackOff with kubelet message', async () => {
    const crash = pod('crash', {
      containers: [
        {
          name: 'app',
          image: images.busybox,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', 'exit 3'],
        },
      ],
    });
    const cw = worker(crash);
    await cw.start();
    const status = await waitFor(
      () => container(cw)?.state.waiting?.reason === 'CrashLoopBackOff' && cw.status,
      {
        timeoutMs: 15_000,
        what: 'CrashLoopBackOff',
      },
    );
    // The first exit restarted it at once; the second waits 10 s.
    expect(status.containerStatuses[0]).toMatchObject({
      state: {
        waiting: {
          message: `back-off 10s restarting failed container=app pod=crash_default(${crash.metadata.uid ?? ''})`,
        },
      },
      lastState: { terminated: { exitCode: 3, reason: 'Error' } },
      restartCount: 1,
      ready: false,
    });
    expect(status.phase).toBe('Running');
    await cw.terminate(0);
  });

  it('a command that cannot run: RunContainerError, then CrashLoopBackOff counting the failed starts', async () => {
    const reasons: string[] = [];
    const bad = worker(
      pod('badcmd', {
        containers: [
          { name: 'app', image: images.busybox, imagePullPolicy: 'IfNotPresent', command: ['/nonexistent'] },
        ],
      }),
    );
    await bad.start();
    reasons.push(container(bad)?.state.waiting?.reason ?? '');
    const status = await waitFor(
      () => container(bad)?.state.waiting?.reason === 'CrashLoopBackOff' && bad.status,
      {
        timeoutMs: 15_000,
        what: 'CrashLoopBackOff after failed starts',
      },
    );
    expect(reasons).toEqual(['RunContainerError']);
    expect(status.containerStatuses[0]?.restartCount).toBe(1);
    expect(status.containerStatuses[0]?.lastState.terminated?.exitCode).toBe(128);
    await bad.terminate(0);
  });

  it('an image that does not exist: ErrImagePull, then ImagePullBackOff', async () => {
    const reasons: string[] = [];
    const nope = worker(
      pod('nope', {
        containers: [{ name: 'app', image: '127.0.0.1:1/kedge/nope:v1', imagePullPolicy: 'IfNotPresent' }],
      }),
    );
    await nope.start();
    await waitFor(
      () => {
        const waiting = container(nope)?.state.waiting;
        if (waiting && reasons.at(-1) !== waiting.reason) reasons.push(waiting.reason);
        return reasons.includes('ImagePullBackOff');
      },
      { timeoutMs: 15_000, what: 'ImagePullBackOff' },
    );
    expect(reasons.slice(0, 2)).toEqual(['ErrImagePull', 'ImagePullBackOff']);
    expect(nope.status?.phase).toBe('Pending');
    expect(container(nope)?.state.waiting?.message).toBe(
      'Back-off pulling image "127.0.0.1:1/kedge/nope:v1"',
    );
    await nope.terminate(0);
  });

  it('a missing ConfigMap key: CreateContainerConfigError with kubelet message', async () => {
    const bad = worker(
      pod('bad', {
        containers: [
          {
            name: 'app',
            image: images.busybox,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', '-c', 'exec sleep 3600'],
            env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'missing' } } }],
          },
        ],
      }),
    );
    await bad.start();
    expect(container(bad)?.state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: "couldn't find key missing in ConfigMap default/web-config",
    });
    expect(bad.status?.phase).toBe('Pending');
    await bad.terminate(0);
  });

  it('a pod waits for its turn at the start gate: no sandbox before it, Running after', async () => {
    const sleeper = (name: string): EdgePod =>
      pod(name, {
        containers: [
          { name: 'app', image: images.busybox, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] },
        ],
      });
    const gate = new StartGate(1);
    const held = await gate.acquire(); // another pod's start, still running
    const queued = sleeper('queued');
    const sent: PodStatus[] = [];
    const qw = worker(queued, sent, gate);
    const started = qw.start();
    const dropped = worker(sleeper('dropped'), [], gate);
    const droppedStart = dropped.start();
    await new Promise((r) => setTimeout(r, 1500));
    const service = new CriRuntimeService(cri);
    const names = async (): Promise<string[]> =>
      (await service.listPodSandbox()).map((s) => s.metadata?.name ?? '');
    expect(await names()).not.toContain('queued');
    expect(sent).toEqual([]);
    expect(gate.waiting).toBe(2);
    // Stopped while waiting: it leaves the queue and never creates a sandbox.
    await dropped.detach();
    await droppedStart;
    expect(gate.waiting).toBe(1);
    held();
    await started;
    expect(qw.status?.phase).toBe('Running');
    expect(sent.at(-1)?.phase).toBe('Running');
    expect(await names()).toContain('queued');
    expect(await names()).not.toContain('dropped');
    expect(gate.active).toBe(0); // the first sync is over: the turn went back
    await qw.terminate(0);
  });
});
