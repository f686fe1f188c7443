// PodRuntime against a real containerd (CRI plugin, runc, cgroups on) running
// inside a network namespace this test creates, with Debian's CNI plugins
// (bridge + host-local + loopback + portmap) and the pod network config
// edged writes. Pod addresses exist only in that namespace (and the pods'
// own); traffic to a pod goes from inside it, and the host cannot reach it. Images are built from
// busybox-static and pushed to a real local registry.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { waitFor, type TempDir, type TestContainerd, type TestNetns } from '@kedge/testing';
import { CriClient, CriRuntimeService } from '../../cri/index.ts';
import { POD_NETWORK_NAME } from './pod-network-config.ts';
import { PodRuntime } from './pod-runtime.ts';
import type { ContainerSpec } from './container-config.ts';
import type { PodSandboxSpec } from './sandbox-config.ts';
import type { PodTestImages } from '../../../test/test-pod-images.ts';
import { startTestPodNode, type TestPodNode } from '../../../test/test-pod-node.ts';

const POD_CIDR = '10.244.7.0/24';
const MEMORY_LIMIT = 64 * 1024 * 1024;
/** Published by the portmap plugin on the test namespace's addresses. */
const HOST_PORT = 30080;
const log = createLogger({ name: 'test', level: 'silent' });

let dir: TempDir;
let node: TestPodNode;
let images: PodTestImages;
let netns: TestNetns;
let ctd: TestContainerd;
let cri: CriClient;
let runtime: PodRuntime;
let cgroupRoot: string;
let sandbox: PodSandboxSpec;
let sandboxId: string;
let podIp: string;
let webId: string;
let sleeperId: string;

function webContainer(attempt: number): ContainerSpec {
  return {
    name: 'web',
    image: images.busybox,
    command: ['/bin/sh', '-c'],
    args: [
      'echo "pod $POD_NAMESPACE/$POD_NAME" > /www/index.html && echo "serving $POD_NAME" && exec httpd -f -p 8080 -h /www',
    ],
    env: [
      { name: 'POD_NAMESPACE', value: sandbox.pod.namespace },
      { name: 'POD_NAME', value: sandbox.pod.name },
    ],
    mounts: [{ containerPath: '/www', hostPath: join(dir.path, 'www') }],
    resources: { cpuRequestMillis: 250, cpuLimitMillis: 500, memoryLimitBytes: MEMORY_LIMIT },
    attempt,
  };
}

// A GET run by node itself (busybox-static's wget crashes), from inside the test namespace.
const GET =
  'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((t) => process.stdout.write(t))';

/** GET http://<ip>:<port>/ from inside the test namespace. */
function fetchFromNetns(ip: string, port = 8080): Promise<string> {
  return netns.exec(process.execPath, ['-e', GET, `http://${ip}:${port}/`]);
}

async function containerPid(id: string): Promise<number> {
  const { info } = await new CriRuntimeService(cri).containerStatus(id, { verbose: true });
  return (JSON.parse(info['info'] ?? '{}') as { pid: number }).pid;
}

/** The directory of `pid`'s cgroup in one v1 controller (`memory`, `cpu`). */
async function cgroupDir(pid: number, controller: string): Promise<string> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
  const line = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`pid ${pid} has no ${controller} cgroup`);
  return join('/sys/fs/cgroup', controller, line.split(':')[2] ?? '');
}

beforeAll(async () => {
  node = await startTestPodNode({ prefix: 'kedge-edged-', podCidr: POD_CIDR, log });
  ({ dir, images, netns, ctd, cri, runtime, cgroupRoot } = node);
  await mkdir(join(dir.path, 'www'));
  sandbox = {
    pod: { namespace: 'default', name: 'web', uid: randomUUID(), attempt: 0 },
    podLogsRoot: join(dir.path, 'pods'),
    cgroupParent: `${cgroupRoot}/pod-web`,
    labels: { app: 'web' },
    ports: [{ containerPort: 8080, hostPort: HOST_PORT }],
  };
}, 120_000);

// Whatever a failed test left: pods first (their shims outlive containerd), then the daemon and namespace.
afterAll(() => node?.stop(), 120_000);

describe('PodRuntime on containerd with CNI', () => {
  it('runs a pod whose HTTP server answers on its pod IP inside the test namespace only', async () => {
    const state = await runtime.runSandbox(sandbox);
    sandboxId = state.id;
    podIp = state.ip;
    expect(state).toMatchObject({ ready: true, pod: sandbox.pod });
    expect(podIp).toMatch(/^10\.244\.7\.\d+$/);
    webId = await runtime.startContainer(sandboxId, sandbox, webContainer(0));
    const body = await waitFor(() => fetchFromNetns(podIp), { timeoutMs: 20_000, what: 'the pod to serve' });
    expect(body).toBe('pod default/web\n');
    // The hostPort, through portmap's DNAT in the test namespace (the "node" there is the bridge address).
    expect(await fetchFromNetns('10.244.7.1', HOST_PORT)).toBe('pod default/web\n');
    // The mount is the caller's host directory.
    expect(await readFile(join(dir.path, 'www', 'index.html'), 'utf8')).toBe('pod default/web\n');
    // The bridge, the pod range and the hostPort rules are in the test namespace, not in the host's.
    expect(await netns.exec('/usr/sbin/ip', ['-o', 'addr', 'show', 'kedge0'])).toContain('10.244.7.1/24');
    expect(execFileSync('/usr/sbin/ip', ['-o', 'addr']).toString()).not.toContain('10.244.7.');
    expect(await netns.exec('/usr/sbin/iptables', ['-t', 'nat', '-S'])).toContain('CNI-HOSTPORT-DNAT');
    expect(execFileSync('/usr/sbin/iptables', ['-t', 'nat', '-S']).toString()).not.toContain(`${HOST_PORT}`);
  });

  it('puts the memory and cpu limits on the container cgroup and in its status', async () => {
    const status = await runtime.containerStatus(webId);
    expect(status).toMatchObject({
      name: 'web',
      state: 'running',
      attempt: 0,
      memoryLimitBytes: MEMORY_LIMIT,
    });
    expect(status.logPath).toBe(join(dir.path, 'pods', `default_web_${sandbox.pod.uid}`, 'web', '0.log'));
    // The runtime writes the container's stdout there, in the CRI log format.
    expect(await readFile(status.logPath, 'utf8')).toMatch(/^\S+ stdout F serving web\n$/);
    const pid = await containerPid(webId);
    const memory = await cgroupDir(pid, 'memory');
    expect(memory).toContain(`${cgroupRoot}/pod-web/`);
    expect((await readFile(join(memory, 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String(MEMORY_LIMIT));
    const cpu = await cgroupDir(pid, 'cpu');
    expect((await readFile(join(cpu, 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('50000');
    expect((await readFile(join(cpu, 'cpu.shares'), 'utf8')).trim()).toBe('256');
  });

  it('reports a killed container as exited with its exit code, times and image', async () => {
    process.kill(await containerPid(webId), 'SIGKILL');
    const status = await waitFor(
      async () => {
        const s = await runtime.containerStatus(webId);
        return s.state === 'exited' && s;
      },
      { what: 'the container to exit' },
    );
    expect(status).toMatchObject({ exitCode: 137, reason: 'Error', image: images.busybox });
    expect(status.imageRef).toMatch(/sha256:[0-9a-f]{64}$/);
    expect(Date.parse(status.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(status.startedAt ?? ''));
  });

  it('a fresh PodRuntime adopts the sandbox and its container by labels and restarts it there', async () => {
    const freshCri = new CriClient({ endpoint: ctd.endpoint });
    try {
      const fresh = new PodRuntime({ cri: freshCri, log });
      const pods = await fresh.listPods();
      expect(pods).toHaveLength(1);
      expect(pods[0]?.sandbox).toMatchObject({ id: sandboxId, pod: sandbox.pod, ready: true });
      expect(pods[0]?.containers).toEqual([
        expect.objectContaining({
          id: webId,
          name: 'web',
          state: 'exited',
          attempt: 0,
          pod: sandbox.pod,
        }),
      ]);
      expect(await fresh.listPods(sandbox.pod)).toHaveLength(1);
      expect(await fresh.listPods({ ...sandbox.pod, uid: randomUUID() })).toEqual([]);
      // Restart in the adopted sandbox: same pod IP.
      expect((await fresh.sandboxStatus(sandboxId)).ip).toBe(podIp);
      // Emptied, so the answer below is written by the new container.
      await writeFile(join(dir.path, 'www', 'index.html'), '');
      webId = await fresh.startContainer(sandboxId, sandbox, webContainer(1));
      expect(await waitFor(() => fetchFromNetns(podIp), { timeoutMs: 20_000 })).toBe('pod default/web\n');
      expect((await fresh.containerStatus(webId)).attempt).toBe(1);
    } finally {
      freshCri.close();
    }
  });

  it('stops a container with its grace period (SIGTERM first)', async () => {
    sleeperId = await runtime.startContainer(sandboxId, sandbox, {
      name: 'sleeper',
      image: images.busybox,
      command: ['/bin/sh', '-c', "trap 'exit 3' TERM; while :; do sleep 1; done"],
    });
    await waitFor(async () => (await runtime.containerStatus(sleeperId)).state === 'running');
    await runtime.stopContainer(sleeperId, 10);
    expect(await runtime.containerStatus(sleeperId)).toMatchObject({ state: 'exited', exitCode: 3 });
    await runtime.removeContainer(sleeperId);
    const err = await runtime.containerStatus(sleeperId).catch((e: unknown) => e);
    expect(hasCode(err, 'KEDGE_CRI_ERROR')).toBe(true);
    expect((err as Error).message).toContain(`ContainerStatus container ${sleeperId}: NOT_FOUND`);
  });

  it('stop and remove leave no sandbox, container or address lease behind', async () => {
    await runtime.stopPod(sandboxId, 2);
    expect((await runtime.sandboxStatus(sandboxId)).ready).toBe(false);
    await runtime.removePod(sandboxId);
    await runtime.removePod(sandboxId); // idempotent
    const service = new CriRuntimeService(cri);
    expect(await service.listPodSandbox()).toEqual([]);
    expect(await service.listContainers()).toEqual([]);
    expect(await runtime.listPods()).toEqual([]);
    const leases = await readdir(join(dir.path, 'cni', 'ipam', POD_NETWORK_NAME)).catch(() => []);
    expect(leases.filter((f) => f.startsWith('10.244.7.'))).toEqual([]);
    // The pod's end of the network is gone too: no veth left on the bridge.
    expect(await netns.exec('/usr/sbin/ip', ['-o', 'link'])).not.toContain('veth');
  });

  it('refuses a pod whose name cannot be a label or a path, before asking the runtime', async () => {
    const bad = { ...sandbox, pod: { ...sandbox.pod, name: '../etc' } };
    const err = await runtime.runSandbox(bad).catch((e: unknown) => e);
    expect(hasCode(err, 'KEDGE_RESOURCE_INVALID')).toBe(true);
    expect((err as Error).message).toContain('name: "../etc" is not a DNS name');
    expect(await runtime.listPods()).toEqual([]);
  });
});
