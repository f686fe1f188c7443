// The token lifecycle on a fake clock: issued on first want, replaced at 80%
// of its life (before it expires), retried after a failed issue, forgotten
// with its pod; and the embedded issuer's JWT names the pod and its node.
import type { Pod } from '@kedge/api';
import { createLogger, FakeClock } from '@kedge/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalTokenIssuer } from './local-token-issuer.ts';
import { PodTokens } from './pod-tokens.ts';
import {
  needsServiceAccountToken,
  tokenObject,
  type IssuedToken,
  type TokenFor,
  type TokenIssuer,
} from './token-object.ts';

const log = createLogger({ name: 'test', level: 'silent' });
const pod = (uid: string, extra: Partial<Pod['spec']> = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${uid}`, namespace: 'shop', uid },
    spec: { nodeName: 'edge-1', containers: [{ name: 'app', image: 'x' }], ...extra },
  }) as Pod;

/** Issues through the real embedded issuer, failing the first `failures` calls. */
class CountingIssuer implements TokenIssuer {
  readonly mode = 'test';
  readonly calls: TokenFor[] = [];
  failures = 0;
  readonly #real = new LocalTokenIssuer('secret-0123456789abcdef0123456789abcdef');
  async issue(r: TokenFor, nowMs: number): Promise<IssuedToken> {
    this.calls.push(r);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('apiserver down');
    }
    return this.#real.issue(r, nowMs);
  }
}

let stop = new AbortController();
afterEach(() => {
  stop.abort();
  stop = new AbortController();
});

function setup() {
  const clock = new FakeClock(1_000_000_000_000);
  const issuer = new CountingIssuer();
  const issued: string[] = [];
  const tokens = new PodTokens({ issuer, clock, log, signal: stop.signal, onIssued: (n) => issued.push(n) });
  return { clock, issuer, issued, tokens };
}

describe('PodTokens', () => {
  it('issues a 1 h token on first want and reports the node', async () => {
    const { clock, issuer, issued, tokens } = setup();
    expect(tokens.want(pod('u1'), 'edge-1')).toBeUndefined();
    await clock.advance(0);
    const token = tokens.want(pod('u1'), 'edge-1');
    expect(token?.expiresAtMs).toBe(clock.now() + 3600_000);
    expect(issued).toEqual(['edge-1']);
    expect(issuer.calls).toEqual([
      {
        namespace: 'shop',
        serviceAccount: 'default',
        pod: { name: 'web-u1', uid: 'u1' },
        node: 'edge-1',
        expirationSeconds: 3600,
      },
    ]);
  });

  it('at 80% of its life reports the node, and replaces the token when the node asks', async () => {
    const { clock, issued, tokens } = setup();
    tokens.want(pod('u1'), 'edge-1');
    await clock.advance(0);
    const first = tokens.want(pod('u1'), 'edge-1');
    await clock.advance(2879_000); // 79.97%
    expect(tokens.want(pod('u1'), 'edge-1')).toBe(first);
    expect(issued).toEqual(['edge-1']);
    await clock.advance(1_000); // 80%: the node is told to look again
    expect(issued).toEqual(['edge-1', 'edge-1']);
    expect(tokens.want(pod('u1'), 'edge-1')).toBe(first); // still valid while the new one is issued
    await clock.advance(0);
    const second = tokens.want(pod('u1'), 'edge-1');
    expect(second?.token).not.toBe(first?.token);
    expect(second?.issuedAtMs).toBe((first?.issuedAtMs ?? 0) + 2880_000);
    expect(issued).toEqual(['edge-1', 'edge-1', 'edge-1']);
    // a connected node asks every time it is told: the token never expires
    for (let i = 0; i < 5; i++) {
      await clock.advance(2880_000);
      tokens.want(pod('u1'), 'edge-1');
      await clock.advance(0);
    }
    const latest = tokens.want(pod('u1'), 'edge-1');
    expect(latest && latest.expiresAtMs - clock.now()).toBeGreaterThan(3000_000);
  });

  it('a node that no longer asks (connected elsewhere) gets no more tokens minted here', async () => {
    const { clock, issuer, tokens } = setup();
    tokens.want(pod('u1'), 'edge-1');
    await clock.advance(0);
    await clock.advance(10 * 3600_000);
    expect(issuer.calls).toHaveLength(1);
    // back: asks, gets nothing expired, and a fresh token is issued at once
    expect(tokens.want(pod('u1'), 'edge-1')).toBeUndefined();
    await clock.advance(0);
    expect(issuer.calls).toHaveLength(2);
    expect(tokens.want(pod('u1'), 'edge-1')?.expiresAtMs).toBe(clock.now() + 3600_000);
  });

  it('retries a failed issue with a growing delay', async () => {
    const { clock, issuer, tokens } = setup();
    issuer.failures = 2;
    tokens.want(pod('u1'), 'edge-1');
    await clock.advance(0);
    expect(tokens.want(pod('u1'), 'edge-1')).toBeUndefined();
    await clock.advance(1000);
    expect(issuer.calls).toHaveLength(2);
    expect(tokens.want(pod('u1'), 'edge-1')).toBeUndefined();
    await clock.advance(1999);
    expect(issuer.calls).toHaveLength(2);
    await clock.advance(1);
    expect(tokens.want(pod('u1'), 'edge-1')?.token).toMatch(/^ey/);
  });

  it('forgets a deleted pod: no more refreshes', async () => {
    const { clock, issuer, tokens } = setup();
    tokens.want(pod('u1'), 'edge-1');
    await clock.advance(0);
    tokens.forget('u1');
    await clock.advance(3 * 3600_000);
    expect(issuer.calls).toHaveLength(1);
    expect(tokens.size).toBe(0);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('a pod that moved to another node gets a new token for that node', async () => {
    const { clock, issuer, tokens } = setup();
    tokens.want(pod('u1'), 'edge-1');
    await clock.advance(0);
    tokens.want(pod('u1'), 'edge-2');
    await clock.advance(0);
    expect(issuer.calls.map((c) => c.node)).toEqual(['edge-1', 'edge-2']);
  });
});

describe('the token a pod gets', () => {
  it('is mounted unless automountServiceAccountToken is false', () => {
    expect(needsServiceAccountToken(pod('u1'))).toBe(true);
    expect(needsServiceAccountToken(pod('u1', { automountServiceAccountToken: false }))).toBe(false);
  });

  it('embedded mode: a cloudcore-signed JWT bound to the pod and node, verifiable only with its key', async () => {
    const issuer = new LocalTokenIssuer('secret-0123456789abcdef0123456789abcdef');
    const now = 1_700_000_000_000;
    const t = await issuer.issue(
      {
        namespace: 'shop',
        serviceAccount: 'builder',
        pod: { name: 'web', uid: 'u1' },
        node: 'edge-1',
        expirationSeconds: 3600,
      },
      now,
    );
    expect(issuer.verify(t.token, now)).toMatchObject({
      sub: 'system:serviceaccount:shop:builder',
      exp: now / 1000 + 3600,
      'kubernetes.io': { namespace: 'shop', pod: { name: 'web', uid: 'u1' }, node: { name: 'edge-1' } },
    });
    expect(issuer.verify(t.token, now + 3600_000)).toBeUndefined();
    expect(new LocalTokenIssuer('another-secret-0123456789abcdef0123').verify(t.token, now)).toBeUndefined();
    expect(tokenObject(pod('u1'), t, 'CA')).toMatchObject({
      metadata: {
        name: 'web-u1',
        namespace: 'shop',
        uid: 'sa-token-u1',
        resourceVersion: String(t.issuedAtMs),
      },
      status: { token: t.token },
      caCrt: 'CA',
    });
  });
});
