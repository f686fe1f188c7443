// The DNS responder as the child process the proxy runs, on loopback:
// a Service name resolves to its cluster IP, the table follows updates, an
// unknown Service name is NXDOMAIN and a name outside the cluster domain is
// refused; the child exits when its parent closes stdin.
import { Resolver } from 'node:dns/promises';
import { createLogger } from '@kedge/runtime';
import { freePort, waitFor } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { serviceNames, startDnsResponder } from './dns-responder.ts';

const log = createLogger({ name: 'dns-test', level: 'silent' });

describe('service DNS responder', () => {
  it('answers Service names from the table it is given, and nothing else', async () => {
    const port = await freePort();
    const child = startDnsResponder(`127.0.0.1:${port}`, '', log);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const web = { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.7' } };
      child.stdin?.write(`${JSON.stringify(serviceNames([web]))}\n`);
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([`127.0.0.1:${port}`]);
      const a = await waitFor(() => resolver.resolve4('web.shop.svc.cluster.local').catch(() => undefined), {
        what: 'an answer for web.shop.svc.cluster.local',
        timeoutMs: 10_000,
      });
      expect(a).toEqual(['10.96.0.7']);
      await expect(resolver.resolve4('db.shop.svc.cluster.local')).rejects.toMatchObject({
        code: 'ENOTFOUND',
      });
      await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
      child.stdin?.write(`${JSON.stringify(serviceNames([{ ...web, spec: { clusterIP: '10.96.0.8' } }]))}\n`);
      await waitFor(
        async () =>
          (await resolver.resolve4('WEB.shop.svc.cluster.local')).join() === '10.96.0.8' ? true : undefined,
        { what: 'the updated address', timeoutMs: 5000 },
      );
    } finally {
      child.stdin?.end();
    }
    await exited;
  });
});
