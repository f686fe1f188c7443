// kedgectl with workloads, as a user runs it against a real SQLite store: a
// Deployment is accepted (and readable back by its short name), a StatefulSet
// or DaemonSet is refused with a coded error naming what to use instead.
import { join } from 'node:path';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = 'packages/keadm/src/bin/kedgectl.ts';
let dir: TempDir;

beforeEach(async () => {
  dir = await tempDir('kedgectl-workload-');
});
afterEach(async () => {
  await dir.cleanup();
});

async function kedgectl(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startProcess({
    name: `kedgectl ${args[0] ?? ''}`,
    args: [BIN, ...args],
    env: { KEDGE_STORE_PATH: join(dir.path, 'kedge.db') },
    input,
  });
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.local/web:1
          resources: { requests: { cpu: 100m, memory: 64Mi } }
`;

const statefulSet = deployment
  .replace('kind: Deployment', 'kind: StatefulSet')
  .replace('name: web\n', 'name: db\n');
const daemonSet = deployment
  .replace('kind: Deployment', 'kind: DaemonSet')
  .replace('name: web\n', 'name: agent\n');

describe('kedgectl apply with workloads', () => {
  it('creates a Deployment in the default namespace and gets it back as deploy', async () => {
    expect(await kedgectl(['apply', '-f', '-'], deployment)).toMatchObject({ code: 0, stderr: '' });
    const got = await kedgectl(['get', 'deploy', 'web', '-n', 'default', '-o', 'json']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({
      kind: 'Deployment',
      metadata: { namespace: 'default' },
      spec: { replicas: 3 },
    });
  });

  it('refuses a StatefulSet and a DaemonSet with KEDGE_WORKLOAD_KIND_UNSUPPORTED wording, writing nothing', async () => {
    const result = await kedgectl(['apply', '-f', '-'], `${statefulSet}---\n${daemonSet}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('StatefulSet (apps/v1) is not supported: kedge runs Deployments');
    expect(result.stderr).toContain('DaemonSet (apps/v1) is not supported: kedge runs Deployments');
    expect(result.stderr).toContain('docs/workloads.md');
    expect(result.stdout).toBe('');
  });

  it('names the bad field of a Deployment whose selector does not select its template', async () => {
    const bad = deployment.replace('matchLabels: { app: web }', 'matchLabels: { app: other }');
    const result = await kedgectl(['apply', '-f', '-'], bad);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'spec.template.metadata.labels: `selector` does not match template `labels`',
    );
  });

  it('deletes a Deployment and Pods by name in the namespace, reporting each, a missing one as an error', async () => {
    const pod = (name: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  containers: [{ name: app, image: registry.local/app:1 }]\n`;
    const input = [
      deployment.replace('name: web\n', 'name: web\n  namespace: shop\n'),
      pod('p1'),
      pod('p2'),
    ].join('---\n');
    expect(await kedgectl(['apply', '-f', '-'], input)).toMatchObject({ code: 0, stderr: '' });
    expect(await kedgectl(['delete', 'deployment', 'web', '-n', 'shop'])).toEqual({
      code: 0,
      stdout: 'deployment.apps "web" deleted\n',
      stderr: '',
    });
    expect(await kedgectl(['delete', 'pods', 'p1', 'gone', 'p2', '-n', 'shop'])).toEqual({
      code: 1,
      stdout: 'pod "p1" deleted\npod "p2" deleted\n',
      stderr: 'error: Pod "gone": not found\n',
    });
    for (const kind of ['pods', 'deployments']) {
      expect(await kedgectl(['get', kind, '-n', 'shop', '-o', 'name'])).toMatchObject({
        code: 0,
        stdout: '',
      });
    }
  });
});
