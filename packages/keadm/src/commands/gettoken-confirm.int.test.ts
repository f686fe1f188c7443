import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyNodeToken } from '@kedge/tokens';
import { tempDir } from '@kedge/testing';
import { keadm, writeEdgeConfig } from '../../test/test-fixtures.ts';

describe('keadm gettoken', () => {
  it('--plain prints the token-mode credential the cloud accepts for that node only', async () => {
    await using tmp = await tempDir('kedge-gettoken-');
    const secretFile = join(tmp.path, 'token-secret');
    const secret = 'a'.repeat(32);
    writeFileSync(secretFile, `${secret}\n`);
    const r = await keadm(['gettoken', '--plain', '--node', 'edge-1', '--secret-file', secretFile]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(verifyNodeToken(secret, 'edge-1', token)).toBe(true);
    expect(verifyNodeToken(secret, 'edge-2', token)).toBe(false);
  });

  it('names the missing flag or unreadable secret file', async () => {
    expect((await keadm(['gettoken', '--plain'])).stderr).toContain('error: --node: required with --plain');
    const r = await keadm(['gettoken', '--node', 'edge-1', '--secret-file', '/nonexistent/secret']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--secret-file: cannot read /nonexistent/secret');
  });
});

const TOKEN = 'k'.repeat(43);

describe('keadm ctl confirm', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A stand-in metaServer answering the confirm route. */
  async function metaServer(status: number, body: unknown): Promise<{ address: string; requests: string[] }> {
    const requests: string[] = [];
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url} ${req.headers.authorization} ${text}`);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (typeof addr !== 'object' || !addr) throw new Error('no address');
    return { address: `127.0.0.1:${addr.port}`, requests };
  }

  it('posts to the confirm route with the token file as bearer and prints the answer', async () => {
    await using tmp = await tempDir('kedge-confirm-');
    const tokenFile = join(tmp.path, 'metaserver.token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const ms = await metaServer(200, { status: 'confirmed', tasks: ['nodeupgradejob/up1'] });
    const args = ['ctl', 'confirm', '--metaserver', ms.address, '--job', 'up1', '--token-file', tokenFile];
    const r = await keadm(args);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 'confirmed', tasks: ['nodeupgradejob/up1'] });
    expect(ms.requests).toEqual([`POST /api/v1/taskupgrade/confirm-upgrade Bearer ${TOKEN} {"job":"up1"}`]);
  });

  it('names the token file it cannot read and sends nothing', async () => {
    const ms = await metaServer(200, {});
    const r = await keadm(['ctl', 'confirm', '--metaserver', ms.address, '--token-file', '/nonexistent/t']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the metaServer token file /nonexistent/t');
    expect(ms.requests).toEqual([]);
  });

  it('reads the metaServer address from edgecore.yaml', async () => {
    await using tmp = await tempDir('kedge-confirm-');
    const ms = await metaServer(200, { status: 'confirmed', tasks: [] });
    const configFile = join(tmp.path, 'edgecore.yaml');
    writeEdgeConfig(configFile, join(tmp.path, 'db'));
    writeFileSync(
      configFile,
      readFileSync(configFile, 'utf8') + `  metaManager: { metaServer: { server: '${ms.address}' } }\n`,
    );
    writeFileSync(join(tmp.path, 'metaserver.token'), TOKEN, { mode: 0o600 });
    const r = await keadm(['ctl', 'confirm', '--config', configFile]);
    expect(r.stderr).toBe('');
    expect(ms.requests).toHaveLength(1);
    expect(ms.requests[0]).toContain(`Bearer ${TOKEN}`);
  });

  it('exits 1 with the server message on a non-2xx answer', async () => {
    await using tmp = await tempDir('kedge-confirm-');
    const tokenFile = join(tmp.path, 'metaserver.token');
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    const ms = await metaServer(404, {
      kind: 'Status',
      message: 'no upgrade is waiting for confirmation on edge-1',
    });
    const r = await keadm(['ctl', 'confirm', '--metaserver', ms.address, '--token-file', tokenFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('answered 404: no upgrade is waiting for confirmation on edge-1');
  });
});
