import { mkdir, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '@kedge/testing';
import { PodVolumes } from './pod-volumes.ts';
import type { EdgePod, Volume } from './pod-spec.ts';

let dir: TempDir;
let volumes: PodVolumes;
const facts = { podIP: '10.244.0.9', hostIP: '192.168.1.2', nodeName: 'edge-1' };
const pod = (vs: Volume[]): EdgePod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { b: '2', a: 'x"y' } },
  spec: { containers: [], volumes: vs },
});

beforeAll(async () => {
  dir = await tempDir('kedge-volumes-');
  await mkdir(join(dir.path, 'allowed', 'data'), { recursive: true });
  await symlink('/etc', join(dir.path, 'allowed', 'etc-link'));
  volumes = new PodVolumes({
    podsDir: join(dir.path, 'pods'),
    secretsDir: join(dir.path, 'run-secrets'),
    allowedHostPaths: [join(dir.path, 'allowed')],
    lookup: {
      configMap: async (_ns, name) =>
        name === 'cfg'
          ? {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { 'app.conf': 'x=1', other: 'y' },
            }
          : undefined,
      secret: async (_ns, name) =>
        name === 'creds'
          ? {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name },
              data: { token: Buffer.from('t0k').toString('base64') },
            }
          : undefined,
    },
  });
});

afterAll(async () => {
  await dir?.cleanup();
});

describe('pod volumes', () => {
  it('emptyDir, configMap (items), secret (0400 under secretsDir) and downwardAPI files', async () => {
    const p = pod([
      { name: 'scratch', emptyDir: {} },
      { name: 'conf', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'etc/app.conf' }] } },
      { name: 'creds', secret: { secretName: 'creds' } },
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          ],
        },
      },
    ]);
    const paths = await volumes.prepare(p, facts);
    expect(paths.get('scratch')).toBe(
      join(dir.path, 'pods', 'u1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'),
    );
    expect((await stat(paths.get('scratch') ?? '')).mode & 0o777).toBe(0o777);
    expect(await readFile(join(paths.get('conf') ?? '', 'etc', 'app.conf'), 'utf8')).toBe('x=1');
    const token = join(dir.path, 'run-secrets', 'u1', 'creds', 'token');
    expect(paths.get('creds')).toBe(join(dir.path, 'run-secrets', 'u1', 'creds'));
    expect(await readFile(token, 'utf8')).toBe('t0k');
    expect((await stat(token)).mode & 0o777).toBe(0o400);
    expect((await stat(paths.get('creds') ?? '')).mode & 0o777).toBe(0o700);
    expect(await readFile(join(paths.get('info') ?? '', 'labels'), 'utf8')).toBe('a="x\\"y"\nb="2"');
    expect(await readFile(join(paths.get('info') ?? '', 'name'), 'utf8')).toBe('web');
    expect(
      volumes.mounts(
        {
          name: 'c',
          image: 'i',
          volumeMounts: [{ name: 'conf', mountPath: '/etc/app', readOnly: true, subPath: 'etc' }],
        },
        paths,
      ),
    ).toEqual([
      { containerPath: '/etc/app', hostPath: join(paths.get('conf') ?? '', 'etc'), readOnly: true },
    ]);
    await volumes.cleanup(p);
    await expect(stat(join(dir.path, 'pods', 'u1'))).rejects.toThrow();
    await expect(stat(token)).rejects.toThrow();
  });

  it('hostPath only under an allowed prefix, symlinks resolved', async () => {
    const ok = await volumes.prepare(
      pod([{ name: 'd', hostPath: { path: join(dir.path, 'allowed', 'data') } }]),
      facts,
    );
    expect(ok.get('d')).toBe(join(dir.path, 'allowed', 'data'));
    await expect(volumes.prepare(pod([{ name: 'd', hostPath: { path: '/etc' } }]), facts)).rejects.toThrow(
      'volume d: hostPath "/etc" is not under an allowed prefix',
    );
    await expect(
      volumes.prepare(
        pod([{ name: 'd', hostPath: { path: join(dir.path, 'allowed', '..', 'pods') } }]),
        facts,
      ),
    ).rejects.toThrow('is not under an allowed prefix');
    await expect(
      volumes.prepare(pod([{ name: 'd', hostPath: { path: join(dir.path, 'allowed', 'etc-link') } }]), facts),
    ).rejects.toThrow('resolves to /etc, outside the allowed prefixes');
  });

  it('item paths cannot escape the volume; a missing object or key names it', async () => {
    await expect(
      volumes.prepare(
        pod([{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'other', path: '../../x' }] } }]),
        facts,
      ),
    ).rejects.toThrow('volume c items: "../../x" must be a relative path without ".."');
    await expect(
      volumes.prepare(pod([{ name: 'c', configMap: { name: 'gone' } }]), facts),
    ).rejects.toMatchObject({
      message: 'volume c: configmap "gone" not found',
      reason: 'ContainerCreating',
    });
    await expect(
      volumes.prepare(
        pod([{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'x' }] } }]),
        facts,
      ),
    ).rejects.toThrow('volume c: key nope not found');
  });
});

describe('PodVolumes refresh', () => {
  it('writes a changed ConfigMap over the same directory and removes keys it no longer has', async () => {
    const data: Record<string, string> = { a: '1', b: '2' };
    const live = new PodVolumes({
      podsDir: join(dir.path, 'pods-refresh'),
      secretsDir: join(dir.path, 'secrets-refresh'),
      allowedHostPaths: [],
      lookup: {
        configMap: async (_ns, name) => ({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
          data: { ...data },
        }),
        secret: async () => undefined,
      },
    });
    const p = pod([{ name: 'c', configMap: { name: 'cfg' } }]);
    const path = (await live.prepare(p, facts)).get('c') ?? '';
    data['a'] = 'one';
    delete data['b'];
    expect((await live.prepare(p, facts)).get('c')).toBe(path);
    expect(await readFile(join(path, 'a'), 'utf8')).toBe('one');
    expect(await readdir(path)).toEqual(['a']);
  });
});
