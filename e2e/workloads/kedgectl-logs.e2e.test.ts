// `kedgectl logs` as a user runs it: the real CLI process reads the embedded
// store, finds the cloudcore replica holding the pod's node and that
// replica's logs endpoint, and streams the CRI log of a container running on
// a real edge node's containerd through the tunnel. The writer container
// prints three lines, then waits for a file in its emptyDir (written by the
// test, from the host) before printing one more, so "-f sees a line written
// after the call started" does not depend on timing. A pod also finds its
// ServiceAccount token where Kubernetes puts it (embedded mode: minted by cloudcore).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalCloud, LocalEdge, LocalPodNetwork, pushBusyboxImage } from '@kedge/localup';
import type { Pod } from '@kedge/api';
import {
  startProcess,
  startRegistry,
  tempDir,
  waitFor,
  type ManagedProcess,
  type TempDir,
  type TestRegistry,
} from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUSYBOX = '/bin/busybox';
const BIN = 'packages/keadm/src/bin/kedgectl.ts';

function loggerPod(name: string, nodeName: string | undefined, image: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'trigger', emptyDir: {} }],
      containers: [
        {
          name: 'writer',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: [
            BUSYBOX,
            'sh',
            '-c',
            `echo line-1; echo line-2; echo line-3; while [ ! -e /trigger/go ]; do ${BUSYBOX} sleep 1; done; echo after-start; exec ${BUSYBOX} sleep 2147483647`,
          ],
          volumeMounts: [{ name: 'trigger', mountPath: '/trigger' }],
        },
        {
          name: 'sidecar',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: [BUSYBOX, 'sleep', '2147483647'],
        },
      ],
    },
  } as Pod;
}

describe('kedgectl logs streams a container log from a real edge node', () => {
  let dir: TempDir;
  let registry: TestRegistry;
  let network: LocalPodNetwork | undefined;
  let cloud: LocalCloud;
  let edge: LocalEdge;
  let image: string;

  const kedgectl = (args: string[]): ManagedProcess =>
    startProcess({
      name: `kedgectl ${args.join(' ')}`,
      args: [BIN, ...args],
      env: { KEDGE_STORE_PATH: cloud.storePath },
    });
  const run = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const p = kedgectl(args);
    const { code } = await p.exited;
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  };
  const running = (name: string): Promise<Pod> =>
    waitFor(
      async () => {
        const pod = await cloud.store.get('Pod', name, 'default');
        return pod?.status?.phase === 'Running' && pod.status.containerStatuses?.every((c) => c.ready)
          ? pod
          : undefined;
      },
      { what: `pod ${name} Running`, timeoutMs: 60_000 },
    );
  /** The host side of the pod's emptyDir `trigger`. */
  const triggerDir = (pod: Pod): string =>
    join(
      dir.path,
      `edge-${edge.name}`,
      'edged',
      'pods',
      pod.metadata.uid ?? '',
      'volumes',
      'kubernetes.io~empty-dir',
      'trigger',
    );

  beforeAll(async () => {
    dir = await tempDir('kedge-kedgectl-logs-');
    registry = await startRegistry();
    const pause = await pushBusyboxImage(`${registry.url}/kedge/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    image = (await pushBusyboxImage(`${registry.url}/kedge/busybox:v1`)).ref;
    network = await LocalPodNetwork.create(1);
    const node = network.nodes[0];
    if (!node) throw new Error('no node network');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 10 });
    const cloudcore = await cloud.addCloudCore();
    edge = await LocalEdge.create(dir.path, {
      name: 'edge-1',
      server: cloudcore.address,
      token: cloud.token('edge-1'),
      pods: { netnsPath: node.netns.path, podCIDR: node.podCIDR, sandboxImage: pause.ref },
    });
    await edge.preloadImage(pause.ref);
    await edge.preloadImage(image);
    await edge.start();
    await cloud.waitForReady(['edge-1']);
    await cloud.store.create('Pod', loggerPod('logger', 'edge-1', image));
    await running('logger');
  }, 180_000);

  afterAll(async () => {
    await edge?.close();
    await cloud?.close();
    await network?.remove();
    await registry?.stop();
    await dir?.cleanup();
  }, 60_000);

  it('prints the whole log, and with --tail 2 its last two lines', async () => {
    expect(await run(['logs', 'logger', '-c', 'writer'])).toEqual({
      code: 0,
      stdout: 'line-1\nline-2\nline-3\n',
      stderr: '',
    });
    expect(await run(['logs', 'logger', '-c', 'writer', '--tail', '2', '-n', 'default'])).toEqual({
      code: 0,
      stdout: 'line-2\nline-3\n',
      stderr: '',
    });
  });

  it('-f prints a line the container writes after the call started, until Ctrl-C', async () => {
    const pod = await running('logger');
    const follow = kedgectl(['logs', 'pod/logger', '-c', 'writer', '-f']);
    try {
      await follow.waitForLine(/^line-3$/, 30_000);
      expect(follow.stdout()).not.toContain('after-start');
      await writeFile(join(triggerDir(pod), 'go'), '');
      await follow.waitForLine(/^after-start$/, 30_000);
      await follow.kill('SIGINT');
      expect((await follow.exited).code).toBe(0);
      expect(follow.stdout()).toBe('line-1\nline-2\nline-3\nafter-start\n');
    } finally {
      await follow.kill();
    }
  });

  it('a wrong -c, or none for a pod of two containers, is refused naming the containers', async () => {
    const wrong = await run(['logs', 'logger', '-c', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'container nope is not valid for pod default/logger, choose one of: [writer sidecar]',
    );
    const none = await run(['logs', 'logger']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      'a container name must be specified for pod default/logger, choose one of: [writer sidecar]',
    );
  });

  it('a pod sees its ServiceAccount token, ca.crt and namespace; one with automount false does not', async () => {
    const dirPath = '/var/run/secrets/kubernetes.io/serviceaccount';
    const show = (name: string, automount: boolean): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: 'edge-1',
        ...(automount ? {} : { automountServiceAccountToken: false }),
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'show',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: [
              BUSYBOX,
              'sh',
              '-c',
              `if [ -d ${dirPath} ]; then ${BUSYBOX} ls ${dirPath}; ${BUSYBOX} cat ${dirPath}/namespace; echo; ${BUSYBOX} cat ${dirPath}/token; echo; else echo absent; fi; exec ${BUSYBOX} sleep 2147483647`,
            ],
          },
        ],
      },
    });
    await cloud.store.create('Pod', show('tokened', true));
    await cloud.store.create('Pod', show('untokened', false));
    const tokened = await running('tokened');
    await running('untokened');
    const out = await waitFor(
      async () => {
        const r = await run(['logs', 'tokened']);
        return r.stdout.split('\n').length >= 6 ? r.stdout : undefined;
      },
      { what: 'the token pod printed its files', timeoutMs: 30_000 },
    );
    const [ca, namespaceFile, tokenFile, namespace, token] = out.split('\n');
    expect([ca, namespaceFile, tokenFile, namespace]).toEqual(['ca.crt', 'namespace', 'token', 'default']);
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      iat: number;
      exp: number;
      'kubernetes.io': { pod: { name: string; uid: string }; node: { name: string } };
    };
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'tokened', uid: tokened.metadata.uid });
    expect(claims['kubernetes.io'].node.name).toBe('edge-1');
    expect((await run(['logs', 'untokened'])).stdout).toBe('absent\n');
    await cloud.store.delete('Pod', 'tokened', 'default');
    await cloud.store.delete('Pod', 'untokened', 'default');
  });

  it('a missing pod and a pod not bound to a node are coded errors', async () => {
    const missing = await run(['logs', 'nosuch']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('pod default/nosuch not found');
    await cloud.store.create('Pod', loggerPod('unbound', undefined, image));
    const unbound = await run(['logs', 'unbound', '-c', 'writer']);
    expect(unbound.code).toBe(1);
    expect(unbound.stderr).toContain('pod default/unbound is not bound to a node yet');
    await cloud.store.delete('Pod', 'unbound', 'default');
  });

  it('-f ends by itself when the pod is deleted', async () => {
    const follow = kedgectl(['logs', 'logger', '-c', 'writer', '-f']);
    try {
      await follow.waitForLine(/^after-start$/, 30_000);
      await cloud.store.delete('Pod', 'logger', 'default');
      const exit = await Promise.race([
        follow.exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000)),
      ]);
      expect(exit).toMatchObject({ code: 0 });
    } finally {
      await follow.kill();
    }
  });

  it('a pod whose node is offline is a coded error', async () => {
    await edge.stop();
    await cloud.store.create('Pod', loggerPod('stranded', 'edge-1', image));
    const offline = await run(['logs', 'stranded', '-c', 'writer']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('node edge-1 is offline');
    // the endpoint is not open to anyone who finds its address: it wants the token from the store
    const secret = await cloud.store.get('Secret', 'kedge-cloudcore-logs', 'kubeedge');
    const endpoint = JSON.parse(
      Buffer.from(Object.values(secret?.data ?? {})[0] ?? '', 'base64').toString(),
    ) as {
      url: string;
    };
    const res = await fetch(`${endpoint.url}/logs/namespaces/default/pods/stranded?container=writer`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'KEDGE_LOGS_UNAUTHORIZED' });
  });
});
