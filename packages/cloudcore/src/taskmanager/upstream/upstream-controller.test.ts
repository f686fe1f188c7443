import { errorCodeOf, newMessage, type Message } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { UpstreamController } from './upstream-controller.ts';

const msg = (operation: string, resource = 'r'): Message =>
  newMessage({ source: 'edge', group: 'g', operation, resource });

describe('UpstreamController', () => {
  it('hands a message to the first route that claims it and answers with what the route resolved', async () => {
    const upstream = new UpstreamController();
    const handled: string[] = [];
    upstream.register(
      {
        name: 'reports',
        matches: (m) => m.route.operation === 'UpdateNodeActionStatus',
        handle: async (node, m) => {
          handled.push(`reports ${node} ${m.route.resource}`);
          return 'OK';
        },
      },
      { name: 'anything', matches: () => true, handle: async () => 'fallback' },
    );
    await expect(upstream.dispatch('n1', msg('UpdateNodeActionStatus', 'job/n1'))).resolves.toBe('OK');
    await expect(upstream.dispatch('n1', msg('insert'))).resolves.toBe('fallback');
    expect(handled).toEqual(['reports n1 job/n1']);
  });

  it('refuses a message no route claims with KEDGE_WIRE_MALFORMED naming it', async () => {
    const upstream = new UpstreamController();
    const err: unknown = await upstream.dispatch('n1', msg('dance', 'a/b/c')).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe('KEDGE_WIRE_MALFORMED');
    expect(String((err as Error).message)).toBe(
      'node n1: unsupported message (group g, operation dance, resource a/b/c)',
    );
  });

  it('passes a route’s refusal through unchanged', async () => {
    const upstream = new UpstreamController();
    upstream.register({
      name: 'off',
      matches: () => true,
      handle: () => Promise.reject(new Error('off here')),
    });
    await expect(upstream.dispatch('n1', msg('x'))).rejects.toThrow('off here');
  });
});
