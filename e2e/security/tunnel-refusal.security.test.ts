// Finding 1 of issue 8: one unauthenticated WebSocket upgrade with a long
// node_id and no or a wrong token made the refusal close the socket with a
// reason over the protocol's 123 bytes; `ws` threw and cloudcore died. Here
// the attacks run against a real cloudcore, which must refuse each and still
// serve a legitimate node afterwards.
import { tempDir, type TempDir } from '@kedge/testing';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawEdgeClient } from '../support/raw-edge-client.ts';
import { rawUpgrade } from '../support/raw-upgrade.ts';

/** Connects with `ws` and resolves with how the server ended it: a close code, or an HTTP status. */
function attempt(address: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${address}/p/x/events`, { headers });
    ws.on('close', (code, reason) => resolve(`close ${code} ${reason.toString()}`));
    ws.on('unexpected-response', (_req, res) => {
      resolve(`http ${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
}

describe('security: tunnel refusals cannot take cloudcore down', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-refusal-');
    cloud = new LocalCloud({ dir: dir.path });
    cloudcore = await cloud.addCloudCore();
  });

  afterAll(async () => {
    await cloud?.close();
    await dir?.cleanup();
  });

  it('refuses long node names without or with a wrong token with a close reason that fits', async () => {
    const long = 'n'.repeat(200); // a valid node name: the refusal reason quoting it is over 123 bytes
    const missing = await attempt(cloudcore.address, { node_id: long, project_id: 'p' });
    const wrong = await attempt(cloudcore.address, {
      node_id: long,
      project_id: 'p',
      authorization: 'Bearer not-a-token',
    });
    const withDots = await attempt(cloudcore.address, {
      node_id: `${'a.'.repeat(120)}z`,
      authorization: `Bearer ${cloud.token('edge-1')}`,
    });
    for (const outcome of [missing, wrong, withDots]) {
      expect(outcome).toMatch(/^close 4401 /);
      expect(Buffer.byteLength(outcome.replace(/^close 4401 /, ''))).toBeLessThanOrEqual(123);
    }
  });

  it('refuses node names that are too long or not names with HTTP 400 and a code, not echoing them', async () => {
    const huge = 'h'.repeat(4000);
    const tooLong = await rawUpgrade(cloudcore.address, { node_id: huge, authorization: 'Bearer x' });
    expect(tooLong.status).toBe('HTTP/1.1 400 Bad Request');
    expect(tooLong.text).toContain('KEDGE_AUTH_NODE_NAME_INVALID');
    expect(tooLong.text).not.toContain(huge.slice(0, 300));

    // Multi-byte UTF-8 in the header, including a character cut by the old 120-byte truncation.
    for (const name of ['é'.repeat(70), `${'a'.repeat(114)}😀😀😀`, '中文节点-名字'.repeat(10)]) {
      const answer = await rawUpgrade(cloudcore.address, { node_id: Buffer.from(name, 'utf8') });
      expect(answer.status, name).toBe('HTTP/1.1 400 Bad Request');
      expect(answer.text).toContain('KEDGE_AUTH_NODE_NAME_INVALID');
    }
    const noName = await attempt(cloudcore.address, { authorization: `Bearer ${cloud.token('edge-1')}` });
    expect(noName).toBe('http 400');
  });

  it('is still running and serves a legitimate node after every attack', async () => {
    const exited = await Promise.race([
      cloudcore.running.exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
    ]);
    expect(exited, `cloudcore exited; stderr:\n${cloudcore.running.stderr().slice(-2000)}`).toBe(false);
    const edge = await RawEdgeClient.connect(cloudcore.address, 'edge-1', cloud.token('edge-1'));
    try {
      const reply = await edge.register('edge-1');
      expect(reply.route.operation).toBe('response');
      expect(await cloud.store.get('Node', 'edge-1')).toMatchObject({ metadata: { name: 'edge-1' } });
    } finally {
      edge.close();
    }
  });
});
