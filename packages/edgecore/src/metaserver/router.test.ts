import { describe, expect, it } from 'vitest';
import { Router, type RouteHandler } from './router.ts';

const handler =
  (tag: string): RouteHandler =>
  () => ({ status: 200, body: tag });

async function run(router: Router, method: string, path: string): Promise<unknown> {
  const m = router.match(method, path);
  if (m.kind !== 'found') return m;
  const reply = await m.handler(
    {
      method,
      path,
      params: m.params,
      query: new URLSearchParams(),
      headers: {},
      body: undefined,
      requireToken: () => undefined,
    },
    new AbortController().signal,
  );
  return { tag: reply.body, params: m.params };
}

describe('Router', () => {
  it('prefers the pattern with more literal segments, whatever the order added', async () => {
    const router = new Router();
    router.add('GET', '/api/{version}/{plural}/{name}', handler('generic'));
    router.add('GET', '/api/v1/nodes/{name}', handler('nodes'));
    expect(await run(router, 'GET', '/api/v1/nodes/edge-1')).toEqual({
      tag: 'nodes',
      params: { name: 'edge-1' },
    });
    expect(await run(router, 'GET', '/api/v1/pods/p')).toEqual({
      tag: 'generic',
      params: { version: 'v1', plural: 'pods', name: 'p' },
    });
  });

  it('decodes path parameters and reports bad encoding', async () => {
    const router = new Router();
    router.add('GET', '/x/{name}', handler('x'));
    expect(await run(router, 'GET', '/x/a%20b')).toEqual({ tag: 'x', params: { name: 'a b' } });
    expect(router.match('GET', '/x/%E0%A4%A')).toMatchObject({ kind: 'bad-path' });
  });

  it('tells a wrong method from an unknown path and serves HEAD as GET', () => {
    const router = new Router();
    router.add('GET', '/healthz', handler('h'));
    router.add('POST', '/api/v1/taskupgrade/confirm-upgrade', handler('c'));
    expect(router.match('DELETE', '/healthz')).toEqual({ kind: 'method-not-allowed', allowed: ['GET'] });
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not-found' });
    expect(router.match('HEAD', '/healthz')).toMatchObject({ kind: 'found' });
    expect(router.match('post', '/api/v1/taskupgrade/confirm-upgrade')).toMatchObject({ kind: 'found' });
  });

  it('refuses the same route twice and paths without a leading slash', () => {
    const router = new Router();
    router.add('GET', '/a', handler('a'));
    expect(() => router.add('get', '/a', handler('b'))).toThrow(/already registered/);
    expect(() => router.add('GET', 'a', handler('b'))).toThrow(/must start with/);
  });
});
