import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kedge/testing';
import { CriClient, CriRuntimeService } from '../cri/index.ts';
import { ProbeExecutor, probePort, type ProbeTarget } from './probe-executors.ts';

let server: Server;
let port: number;
const seen: string[] = [];
// HTTP and TCP probes never reach the runtime; a client on a socket nobody serves.
const cri = new CriClient({ endpoint: '/nonexistent/cri.sock' });
const probes = new ProbeExecutor(new CriRuntimeService(cri));
const signal = new AbortController().signal;
const target = (): ProbeTarget => ({
  containerId: 'c1',
  podIP: '127.0.0.1',
  container: { name: 'web', ports: [{ name: 'http', containerPort: port }] },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['user-agent']} ${String(req.headers['x-probe'] ?? '')}`);
    if (req.url === '/slow') return; // never answers
    res.statusCode = req.url === '/healthz' ? 200 : req.url === '/moved' ? 302 : 500;
    res.end('body');
  });
  port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  cri.close();
});

describe('probe executors', () => {
  it('httpGet: 2xx and 3xx succeed, 5xx fails, by port name, with kube-probe agent and headers', async () => {
    const ok = await probes.run(
      { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } },
      target(),
      1000,
      signal,
    );
    expect(ok).toEqual({ ok: true, output: 'HTTP 200' });
    expect(seen[0]).toMatch(/^\/healthz kube-probe\/\S+ yes$/);
    expect((await probes.run({ httpGet: { path: '/moved', port } }, target(), 1000, signal)).ok).toBe(true);
    expect(await probes.run({ httpGet: { path: '/bad', port } }, target(), 1000, signal)).toEqual({
      ok: false,
      output: 'HTTP 500',
    });
  });

  it('httpGet that does not answer within timeoutSeconds fails as a timeout', async () => {
    const started = Date.now();
    const out = await probes.run({ httpGet: { path: '/slow', port } }, target(), 300, signal);
    expect(out).toEqual({ ok: false, output: 'timeout after 300ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('tcpSocket succeeds on a listening port and fails on a closed one', async () => {
    expect((await probes.run({ tcpSocket: { port: 'http' } }, target(), 1000, signal)).ok).toBe(true);
    const closedPort = await freePort();
    const out = await probes.run({ tcpSocket: { port: closedPort } }, target(), 1000, signal);
    expect(out.ok).toBe(false);
    expect(out.output).toContain('ECONNREFUSED');
  });

  it('a named port the container does not have fails, naming it', async () => {
    expect(probePort('metrics', target().container)).toBeUndefined();
    expect(await probes.run({ httpGet: { port: 'metrics' } }, target(), 1000, signal)).toEqual({
      ok: false,
      output: 'no container port named metrics',
    });
  });
});
