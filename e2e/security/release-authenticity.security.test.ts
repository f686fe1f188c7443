// Finding 7 (issue 8): releases were not authenticated. A different but
// internally consistent image pushed under the same tag was installed and
// ran, and a gzip bomb unpacked without limit. Now controllermanager pins
// the tag's digest when the job starts, nodes install nothing else, and an
// unpacked release is capped in bytes and entries with nothing left behind.
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RELEASE_PIN_ANNOTATION } from '@kedge/api';
import { keadm } from '@kedge/localup';
import { pushRelease, resolveDigest } from '@kedge/oci';
import { waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, UpgradeFleet } from '../node-tasks/upgrade-fleet.ts';
import { writeGzipBomb } from '@kedge/testing';
import { pushBombRelease } from '../support/gzip-bomb.ts';

describe('release authenticity: what a registry (or whoever can push to it) cannot make a node install', () => {
  const fleet = new UpgradeFleet();

  beforeAll(async () => {
    await fleet.start();
    await fleet.addEdges(['ra-1', 'ra-2']);
  });
  afterAll(() => fleet.close());

  it('a tag re-pushed with other content after the job started is refused: digest mismatch, nothing installed', async () => {
    await fleet.createJob('repushed', { nodeNames: ['ra-1'], requireConfirmation: true });
    await waitFor(
      async () =>
        (await fleet.job('repushed'))?.status?.nodeStatus?.[0]?.reason?.includes('waiting for confirmation'),
      { what: 'ra-1 checked the genuine release and waits for confirmation' },
    );
    const ref = `${fleet.releases.image}:${fleet.target.version}`;
    const pinned = (await fleet.job('repushed'))?.metadata.annotations?.[RELEASE_PIN_ANNOTATION];
    const genuine = (await resolveDigest(ref)).digest;
    expect(pinned).toBe(`${fleet.releases.image}@${genuine}`);

    // The attacker pushes a working release of its own under the same tag.
    const forged = join(fleet.dir.path, 'forged');
    cpSync(fleet.target.dir, forged, { recursive: true });
    writeFileSync(join(forged, 'PWNED'), 'attacker code ran\n');
    await pushRelease(ref, forged, { version: fleet.target.version });
    expect((await resolveDigest(ref)).digest).not.toBe(genuine);

    const edge = fleet.edge('ra-1');
    await keadm([
      'ctl',
      'confirm',
      '--metaserver',
      `127.0.0.1:${edge.metaServerPort}`,
      '--config',
      edge.configFile,
    ]);
    const job = await fleet.finished('repushed');
    const entry = fleet.entry(job, 'ra-1');
    expect(entry.phase).toBe('Failure');
    const upgrade = entry.actionFlow?.find((a) => a.action === 'Upgrade');
    expect(upgrade?.status).toBe('False');
    expect(upgrade?.reason).toContain(`digest mismatch: expected manifest digest ${genuine}`);
    expect(actionsOf(entry)).toContain('Rollback=True');
    expect(await fleet.runningVersion('ra-1')).toBe('v1.0.0');
    const versions = join(edge.installRoot ?? '', 'versions');
    expect(existsSync(join(versions, fleet.target.version, 'PWNED'))).toBe(false);
  });

  it('a gzip bomb is refused at the unpack cap, naming the limit, and nothing of it is left on the node', async () => {
    const version = 'v1.2.0';
    const layer = join(fleet.dir.path, 'bomb.tar.gz');
    await writeGzipBomb(layer, 300 * 1024 * 1024); // ~300 KiB that unpacks to 300 MiB
    await pushBombRelease(`${fleet.releases.image}:${version}`, layer, version);
    await fleet.createJob('bomb', { nodeNames: ['ra-2'], version });
    const job = await fleet.finished('bomb');
    const entry = fleet.entry(job, 'ra-2');
    expect(entry.phase).toBe('Failure');
    const upgrade = entry.actionFlow?.find((a) => a.action === 'Upgrade');
    expect(upgrade?.status).toBe('False');
    expect(upgrade?.reason).toMatch(/unpacks to more than 268435456 bytes unpacked \(limit maxBytes/);
    expect(await fleet.runningVersion('ra-2')).toBe('v1.0.0');
    const root = fleet.edge('ra-2').installRoot ?? '';
    expect(readdirSync(join(root, 'versions'))).not.toContain(version);
    expect(existsSync(join(root, 'staging')) ? readdirSync(join(root, 'staging')) : []).toEqual([]);
  });
});
