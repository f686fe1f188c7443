// keadm gettoken prints KubeEdge's join token (<ca-hash>.<jwt>, expiring);
// keadm revoke records one node's revocation in the store.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_REVOCATIONS, newCloudCa } from '@kedge/cloudcore';
import { verifyJoinJwt } from '@kedge/tokens';
import { openSqliteStore } from '@kedge/store';
import { tempDir } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { keadm } from '../../test/test-fixtures.ts';

const SECRET = 'b'.repeat(32);

describe('keadm gettoken (join tokens)', () => {
  it('prints <sha256 of the CA DER>.<HS256 JWT> that expires after --ttl and, with --node, names the node', async () => {
    await using tmp = await tempDir('kedge-gettoken-');
    const ca = await newCloudCa();
    const caFile = join(tmp.path, 'rootCA.crt');
    const secretFile = join(tmp.path, 'token-secret');
    writeFileSync(caFile, ca.pem);
    writeFileSync(secretFile, `${SECRET}\n`);
    const before = Date.now();
    const r = await keadm([
      'gettoken',
      '--ca-file',
      caFile,
      '--secret-file',
      secretFile,
      '--node',
      'edge-1',
      '--ttl',
      '2h',
    ]);
    expect(r.stderr).toBe('');
    const token = r.stdout.trim();
    const [hash, ...jwt] = token.split('.');
    expect(hash).toBe(createHash('sha256').update(ca.der).digest('hex'));
    expect(jwt).toHaveLength(3);
    expect(JSON.parse(Buffer.from(jwt[0] ?? '', 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const claims = await verifyJoinJwt(SECRET, jwt.join('.'));
    expect(claims.node).toBe('edge-1');
    expect(claims.expiresAtMs - Math.floor(before / 1000) * 1000).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(claims.expiresAtMs - before).toBeLessThanOrEqual(2 * 3600_000 + 2000);
    await expect(verifyJoinJwt(SECRET, jwt.join('.'), before + 3 * 3600_000)).rejects.toMatchObject({
      code: 'KEDGE_AUTH_TOKEN_EXPIRED',
    });
    // default: any node, 24 hours
    const fleet = await keadm(['gettoken', '--ca-file', caFile, '--secret-file', secretFile]);
    const fleetClaims = await verifyJoinJwt(SECRET, fleet.stdout.trim().split('.').slice(1).join('.'));
    expect(fleetClaims.node).toBeUndefined();
    expect(Math.round((fleetClaims.expiresAtMs - fleetClaims.issuedAtMs) / 3600_000)).toBe(24);
  });

  it('names a missing CA file and a bad --ttl', async () => {
    await using tmp = await tempDir('kedge-gettoken-');
    const secretFile = join(tmp.path, 'token-secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const noCa = await keadm([
      'gettoken',
      '--ca-file',
      join(tmp.path, 'none.crt'),
      '--secret-file',
      secretFile,
    ]);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toContain('--ca-file: cannot read a CA certificate from');
    const badTtl = await keadm(['gettoken', '--ttl', 'soon', '--secret-file', secretFile]);
    expect(badTtl.stderr).toContain('--ttl: expected a positive duration');
  });
});

describe('keadm revoke', () => {
  it('records the node in kubeedge/kedge-node-revocations, keeping the other records', async () => {
    await using tmp = await tempDir('kedge-revoke-');
    const path = join(tmp.path, 'kedge.db');
    const store = openSqliteStore({ path });
    try {
      expect((await keadm(['revoke', '--node', 'edge-a', '--store', path])).code).toBe(0);
      const r = await keadm(['revoke', '--node', 'edge-b', '--store', path]);
      expect(r.stdout).toMatch(/^node edge-b revoked at \d{4}-\d\d-\d\dT/);
      const cm = await store.get('ConfigMap', NODE_REVOCATIONS.name, NODE_REVOCATIONS.namespace);
      expect(Object.keys(cm?.data ?? {}).sort()).toEqual(['edge-a', 'edge-b']);
      expect(cm?.metadata.labels?.[NODE_REVOCATIONS.label]).toBe('true');
      const bad = await keadm(['revoke', '--node', 'Not_A_Node', '--store', path]);
      expect(bad.stderr).toContain('--node: required, a node name');
    } finally {
      await store.close();
    }
  });
});
