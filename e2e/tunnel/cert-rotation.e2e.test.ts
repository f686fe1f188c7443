// Client certificates are renewed before they expire: with a 12-second
// signing duration, a real edgecore renews at 70-90 % of each certificate's
// life over mutual TLS, and reconnects with the current one after cloudcore
// restarts long after its first certificate expired.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalCloud, LocalEdge } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('client certificate rotation', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let edge: LocalEdge;
  const certFile = (): string => join(dir.path, 'edge-rotating', 'certs', 'server.crt');
  const current = (): X509Certificate => new X509Certificate(readFileSync(certFile()));

  beforeAll(async () => {
    dir = await tempDir('kedge-rotation-');
    cloud = new LocalCloud({ dir: dir.path, certificates: true, edgeCertSigningDuration: 12 / 86_400 });
    const cloudcore = await cloud.addCloudCore();
    edge = await LocalEdge.create(dir.path, {
      name: 'rotating',
      server: cloudcore.address,
      httpServer: cloudcore.httpServer,
      token: await cloud.joinToken({ node: 'rotating' }),
    });
    await edge.start();
    await cloud.waitForReady(['rotating']);
  });

  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('renews at 70-90 % of the lifetime and keeps connecting after the first certificate expired', async () => {
    const first = current();
    const lifetime = Date.parse(first.validTo) - Date.parse(first.validFrom);
    expect(lifetime).toBe(12_000);
    await edge.running.waitForLine(/renewed the client certificate/, 15_000);
    const second = current();
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect(second.subject).toBe('CN=system:node:rotating\nO=system:nodes');
    const renewedAfter = Date.parse(second.validFrom) - Date.parse(first.validFrom);
    expect(renewedAfter).toBeGreaterThanOrEqual(0.7 * lifetime - 1000);
    expect(renewedAfter).toBeLessThanOrEqual(0.9 * lifetime + 1000);
    // past the first certificate's end: a fresh connection works with the renewed one
    await waitFor(async () => Date.now() > Date.parse(first.validTo) + 500, {
      what: 'first certificate expired',
    });
    const replica = cloud.replicas[0];
    await replica?.stop();
    await replica?.start();
    await waitFor(async () => (edge.running.stdout().match(/registered with the cloud/g)?.length ?? 0) >= 2, {
      what: 'registered again after the restart',
      timeoutMs: 20_000,
    });
    await cloud.waitForReady(['rotating']);
    expect(edge.running.stdout()).not.toMatch(/KEDGE_AUTH_/);
  });
});
