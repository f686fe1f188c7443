// A NodeUpgradeJob's release is pinned when the job starts: the tag is
// resolved at a real registry and the digest recorded in the job, so nodes
// can refuse a tag re-pushed later; a release that cannot be resolved fails
// the job with a coded reason; a job that pins its own digest is left alone.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RELEASE_PIN_ANNOTATION, type ResourceOf } from '@kedge/api';
import { pushRelease, resolveDigest } from '@kedge/oci';
import { createObserved } from '@kedge/store';
import { freePort, startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeNode, startHarness, waitForObject, type Harness } from '../../test/cm-harness.ts';
import { ReleasePinner } from './release-pin.ts';

let registry: TestRegistry;
let files: TempDir;
let h: Harness;

beforeAll(async () => {
  registry = await startRegistry();
  files = await tempDir('kedge-pin-');
});
afterAll(async () => {
  await registry?.stop();
  await files?.cleanup();
});
beforeEach(async () => {
  h = await startHarness();
  await createObserved(h.store, 'Node', makeNode('edge-1'));
});
afterEach(() => h.close());

function upgradeJob(name: string, spec: Partial<ResourceOf<'NodeUpgradeJob'>['spec']>) {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2' as const,
    kind: 'NodeUpgradeJob' as const,
    metadata: { name },
    spec: { version: 'v1.3.0', nodeNames: ['edge-1'], ...spec },
  };
}

async function pushAny(image: string, version: string): Promise<void> {
  const dir = join(files.path, `${version}-${Math.random().toString(16).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'edgecore'), `#!/bin/sh\necho ${version}\n`);
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  await pushRelease(`${image}:${version}`, dir);
}

const pinner = () => new ReleasePinner({ defaultImage: '', registry: {} });
const started = (job: ResourceOf<'NodeUpgradeJob'>): boolean => job.status !== undefined;

describe('release pinning at job start', () => {
  it('records <image>@<digest> of the tag as it was when the job started', async () => {
    const image = `${registry.url}/kedge/installation-package`;
    await pushAny(image, 'v1.3.0');
    const { digest } = await resolveDigest(`${image}:v1.3.0`);
    await h.startNodeTasks({ releasePinner: pinner() });
    await h.store.create('NodeUpgradeJob', upgradeJob('pinned', { image }));
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'pinned', started, 'initialised');
    expect(job.metadata.annotations?.[RELEASE_PIN_ANNOTATION]).toBe(`${image}@${digest}`);
    expect(job.status?.phase).toBe('Init');
  });

  it('fails a job whose release cannot be resolved, with a coded reason naming it', async () => {
    const image = `127.0.0.1:${await freePort()}/kedge/installation-package`;
    await h.startNodeTasks({ releasePinner: pinner() });
    await h.store.create('NodeUpgradeJob', upgradeJob('unreachable', { image }));
    await h.store.create('NodeUpgradeJob', upgradeJob('no-image', {}));
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'unreachable', started, 'initialised');
    expect(job.status?.phase).toBe('Failure');
    expect(job.status?.reason).toMatch(
      new RegExp(`^KEDGE_RELEASE_UNPINNED: cannot resolve the release ${image}:v1.3.0 to pin its digest`),
    );
    expect(job.metadata.annotations?.[RELEASE_PIN_ANNOTATION]).toBeUndefined();
    const noImage = await waitForObject(h.store, 'NodeUpgradeJob', 'no-image', started, 'initialised');
    expect(noImage.status?.reason).toMatch(
      /spec\.image is not set and controllermanager nodeTask\.defaultReleaseImage is empty/,
    );
  });

  it('leaves a job that pins its own digest as it is', async () => {
    await h.startNodeTasks({ releasePinner: pinner() });
    const own = `sha256:${'1'.repeat(64)}`;
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('own', { image: 'unreachable.invalid/kedge/x', imageDigestGatter: { amd64: own } }),
    );
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'own', started, 'initialised');
    expect(job.status?.phase).toBe('Init');
    expect(job.metadata.annotations?.[RELEASE_PIN_ANNOTATION]).toBeUndefined();
  });
});
