import { describe, expect, it } from 'vitest';
import type { ConfigMap, Secret } from '@kedge/api';
import { ContainerConfigError, EnvResolver, expandCommand, expandVars } from './env-resolver.ts';
import type { Container, EdgeObjectLookup, EdgePod } from './pod-spec.ts';

const cm: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { mode: 'fast', level: '3' },
};
const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default' },
  data: { password: Buffer.from('s3cr3t').toString('base64') },
};
const lookup: EdgeObjectLookup = {
  configMap: async (ns, name) => (ns === 'default' && name === 'cfg' ? cm : undefined),
  secret: async (ns, name) => (ns === 'default' && name === 'creds' ? secret : undefined),
};
const pod: EdgePod = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } },
  spec: { containers: [] },
};
const facts = { podIP: '10.244.0.9', hostIP: '192.168.1.2', nodeName: 'edge-1' };
const resolver = new EnvResolver(lookup);
const resolve = (c: Partial<Container>) => resolver.resolve(pod, { name: 'c', image: 'i', ...c }, facts);

describe('env resolver', () => {
  it('resolves literal, fieldRef, configMapKeyRef, secretKeyRef and envFrom in kubelet order', async () => {
    const env = await resolve({
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'URL', value: 'http://$(IP):80/$(MISSING)/$$(IP)' },
      ],
    });
    expect(Object.fromEntries(env)).toEqual({
      CFG_mode: 'fast',
      CFG_level: '3',
      POD: 'web',
      NS: 'default',
      IP: '10.244.0.9',
      NODE: 'edge-1',
      APP: 'web',
      MODE: 'fast',
      PASSWORD: 's3cr3t',
      URL: 'http://10.244.0.9:80/$(MISSING)/$(IP)',
    });
    expect(expandCommand({ name: 'c', image: 'i', args: ['--node=$(NODE)'] }, env)).toEqual({
      args: ['--node=edge-1'],
    });
  });

  it("a missing key or object is a CreateContainerConfigError with kubelet's message", async () => {
    const err = await resolve({
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect(err).toMatchObject({
      reason: 'CreateContainerConfigError',
      message: "couldn't find key nope in ConfigMap default/cfg",
    });
    await expect(
      resolve({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }),
    ).rejects.toThrow('secret "other" not found');
    await expect(
      resolve({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }),
    ).rejects.toThrow('unsupported fieldPath: spec.bogus');
  });

  it('optional references that do not resolve are left out', async () => {
    const env = await resolve({
      envFrom: [{ secretRef: { name: 'gone', optional: true } }],
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } }],
    });
    expect(env.size).toBe(0);
    expect(expandVars('$(A)', new Map([['A', '1']]))).toBe('1');
  });
});
