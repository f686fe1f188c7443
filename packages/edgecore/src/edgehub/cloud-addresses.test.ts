import { describe, expect, it } from 'vitest';
import { CloudAddresses } from './cloud-addresses.ts';

describe('CloudAddresses', () => {
  it('refuses an empty address list with KEDGE_CONFIG_INVALID naming the setting', () => {
    let thrown: unknown;
    try {
      new CloudAddresses('', ['']);
    } catch (err: unknown) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'KEDGE_CONFIG_INVALID',
      context: { fields: ['modules.edgeHub.websocket.server'] },
    });
  });

  it('dials server first, then the others, without duplicates', () => {
    const a = new CloudAddresses('cc-0:10000', ['cc-1:10000', 'cc-0:10000', 'wss://cc-2:10000']);
    expect(a.all).toEqual(['cc-0:10000', 'cc-1:10000', 'wss://cc-2:10000']);
    expect(a.current).toBe('cc-0:10000');
  });

  it('moves on after a failure at once, and backs off only after a whole round failed', () => {
    const a = new CloudAddresses('a:1', ['b:1', 'c:1']);
    expect(a.failed()).toBe(true);
    expect(a.current).toBe('b:1');
    expect(a.failed()).toBe(true);
    expect(a.current).toBe('c:1');
    expect(a.failed()).toBe(false); // all three failed: back off
    expect(a.current).toBe('a:1');
    expect(a.failed()).toBe(true); // a new round
  });

  it('stays with the address that worked, and starts a fresh round from it after a drop', () => {
    const a = new CloudAddresses('a:1', ['b:1']);
    a.failed();
    a.succeeded();
    expect(a.current).toBe('b:1');
    // b drops and refuses the reconnect: a is tried at once.
    expect(a.failed()).toBe(true);
    expect(a.current).toBe('a:1');
  });

  it('with one address every failure backs off', () => {
    const a = new CloudAddresses('a:1');
    expect(a.failed()).toBe(false);
    expect(a.current).toBe('a:1');
  });
});
