// keadm edge upgrade pulling the release image from a real Distribution registry.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installLayout, readUpgradeMarker, readUpgradeReport } from '@kedge/installer';
import { pushRelease } from '@kedge/oci';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { keadm, makeRelease, writeEdgeConfig } from '../../test/test-fixtures.ts';

let registry: TestRegistry;
let tmp: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-keadm-oci-');
});
afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

describe('keadm edge upgrade --image', () => {
  it('pulls IMAGE:V, checks the digest, stages and switches; a wrong digest changes nothing', async () => {
    const root = join(tmp.path, 'root');
    const layout = installLayout(root);
    const configFile = join(tmp.path, 'edgecore.yaml');
    writeEdgeConfig(configFile, join(tmp.path, 'edgecore.db'));
    const target = ['--root', root, '--config', configFile];
    expect(
      (await keadm(['edge', 'install', '--release', makeRelease(join(tmp.path, 'rel'), 'v1.0.0'), ...target]))
        .code,
    ).toBe(0);

    const image = `${registry.url}/kedge/installation-package`;
    const pushed = await pushRelease(`${image}:v2.0.0`, makeRelease(join(tmp.path, 'rel'), 'v2.0.0'));
    const wrongDigest = `sha256:${'0'.repeat(64)}`;

    const bad = await keadm([
      'edge',
      'upgrade',
      '--toVersion',
      'v2.0.0',
      '--image',
      image,
      '--image-digest',
      wrongDigest,
      ...target,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`expected manifest digest ${wrongDigest}`);
    expect(readlinkSync(layout.current)).toBe('versions/v1.0.0');
    expect(readdirSync(layout.versionsDir)).toEqual(['v1.0.0']);
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'Upgrade',
      success: false,
      toVersion: 'v2.0.0',
    });

    const ok = await keadm([
      'edge',
      'upgrade',
      '--toVersion',
      'v2.0.0',
      '--image',
      image,
      '--image-digest',
      pushed.digest,
      ...target,
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`pulled ${image}:v2.0.0 (${pushed.digest})`);
    expect(readlinkSync(layout.current)).toBe('versions/v2.0.0');
    expect(readFileSync(join(layout.versionsDir, 'v2.0.0', 'edgecore.mjs'), 'utf8')).toContain(
      'edgecore v2.0.0',
    );
    expect(readdirSync(layout.versionsDir).sort()).toEqual(['v1.0.0', 'v2.0.0']);
    expect(readUpgradeMarker(layout)).toMatchObject({ phase: 'switching', from: 'v1.0.0', to: 'v2.0.0' });
  });
});
