// Bad job YAML is refused by `kedgectl apply` with the file, the object and
// the field named, and nothing reaches the store.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '@kedge/store';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('kedgectl apply of bad node jobs', () => {
  let dir: TempDir;
  let storePath: string;

  beforeAll(async () => {
    dir = await tempDir('kedge-admission-');
    storePath = join(dir.path, 'kedge.db');
  });
  afterAll(() => dir.cleanup());

  const apply = async (file: string, yaml: string): Promise<{ code: number | null; stderr: string }> => {
    const path = join(dir.path, file);
    writeFileSync(path, yaml);
    const p = startProcess({
      name: 'kedgectl',
      args: ['packages/keadm/src/bin/kedgectl.ts', '--store', storePath, 'apply', '-f', path],
    });
    const exit = await p.exited;
    return { code: exit.code, stderr: p.stderr() };
  };
  const job = (spec: string): string => `apiVersion: operations.kubeedge.io/v1alpha2
kind: NodeUpgradeJob
metadata:
  name: bad-job
spec:
  version: v1.1.0
  image: 127.0.0.1:5000/kedge/installation-package
${spec}`;

  it.each([
    [
      'both selectors',
      '  nodeNames: [a]\n  labelSelector: { matchLabels: { x: y } }\n',
      /both-selectors\.yaml.*NodeUpgradeJob "bad-job".*nodeNames.*labelSelector/s,
    ],
    [
      'an unknown field',
      '  nodeNames: [a]\n  concurency: 2\n',
      /unknown-field\.yaml.*NodeUpgradeJob "bad-job".*spec\.concurency: unknown field/s,
    ],
    [
      'a bad failureTolerate',
      '  nodeNames: [a]\n  failureTolerate: "lots"\n',
      /bad-tolerate\.yaml.*NodeUpgradeJob "bad-job".*spec\.failureTolerate/s,
    ],
  ])('refuses %s, naming the field', async (_what, spec, expected) => {
    const file =
      {
        'both selectors': 'both-selectors.yaml',
        'an unknown field': 'unknown-field.yaml',
        'a bad failureTolerate': 'bad-tolerate.yaml',
      }[_what] ?? 'x.yaml';
    const result = await apply(file, job(spec));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
    const store = openSqliteStore({ path: storePath });
    try {
      expect(await store.get('NodeUpgradeJob', 'bad-job')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.each([
    [
      'bad-image.yaml',
      `apiVersion: operations.kubeedge.io/v1alpha2
kind: ImagePrePullJob
metadata:
  name: bad-job
spec:
  imagePrePullTemplate:
    nodeNames: [a]
    images: [busybox:1.36, "Busybox:latest"]
`,
      'ImagePrePullJob',
      /bad-image\.yaml.*ImagePrePullJob "bad-job".*spec\.imagePrePullTemplate\.images\[1\]: must be an image reference/s,
    ],
    [
      'bad-digest.yaml',
      job('  nodeNames: [a]\n  imageDigestGatter: { amd64: "sha256:1234" }\n'),
      'NodeUpgradeJob',
      /bad-digest\.yaml.*NodeUpgradeJob "bad-job".*spec\.imageDigestGatter\.amd64: must be a digest/s,
    ],
  ] as const)('refuses %s, naming the field', async (file, yaml, kind, expected) => {
    const result = await apply(file, yaml);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
    const store = openSqliteStore({ path: storePath });
    try {
      expect(await store.get(kind, 'bad-job')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
