import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, admitNodeEvent } from './node-event-admission.ts';

const event = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'edge-1.abc', namespace: 'default' },
  involvedObject: { kind: 'Node', name: 'edge-1' },
  reason: 'Started',
  message: 'hello',
  type: 'Normal',
  ...over,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return hasCode(err, 'KEDGE_EVENT_INVALID')
      ? 'KEDGE_EVENT_INVALID'
      : hasCode(err, 'KEDGE_EVENT_OUT_OF_SCOPE')
        ? 'KEDGE_EVENT_OUT_OF_SCOPE'
        : String(err);
  }
}

describe('events a node may report', () => {
  it('stores an Event about the node itself, rebuilt from known fields with the source forced', () => {
    const stored = admitNodeEvent(
      'edge-1',
      'null',
      event({ junk: 'x'.repeat(1000), source: { component: 'app', host: 'edge-2' } }),
    );
    expect(stored).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'edge-1.abc', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'edge-1', apiVersion: 'v1' },
      reason: 'Started',
      message: 'hello',
      type: 'Normal',
      source: { component: 'app', host: 'edge-1' },
    });
  });

  const bound = (ns: string, name: string) => (ns === 'shop' && name === 'web-1' ? 'edge-1' : undefined);
  const podEvent = (name: string, over: Record<string, unknown> = {}) =>
    event({
      metadata: { name: `${name}.1`, namespace: 'shop' },
      involvedObject: { kind: 'Pod', name, namespace: 'shop', uid: 'u1' },
      ...over,
    });

  it('stores an Event about a pod bound to the node, in the pod namespace', () => {
    expect(admitNodeEvent('edge-1', 'shop', podEvent('web-1'), bound)).toMatchObject({
      metadata: { name: 'web-1.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'u1' },
      source: { host: 'edge-1' },
    });
  });

  it.each([
    ['about a pod of another node', 'shop', podEvent('web-2')],
    ['about its pod but in another namespace', 'default', podEvent('web-1')],
    ['about its pod under another object name', 'shop', podEvent('web-1', { metadata: { name: 'web-2.1' } })],
  ])('refuses an Event %s', (_what, ns, content) => {
    expect(codeOf(() => admitNodeEvent('edge-1', ns, content, bound))).toBe('KEDGE_EVENT_OUT_OF_SCOPE');
  });

  it.each([
    ['another namespace', 'kube-system', event(), 'KEDGE_EVENT_OUT_OF_SCOPE'],
    [
      'metadata in another namespace',
      'default',
      event({ metadata: { name: 'edge-1.a', namespace: 'x' } }),
      'KEDGE_EVENT_OUT_OF_SCOPE',
    ],
    [
      'about another node',
      'default',
      event({ involvedObject: { kind: 'Node', name: 'edge-2' } }),
      'KEDGE_EVENT_OUT_OF_SCOPE',
    ],
    [
      'about a Secret',
      'default',
      event({ involvedObject: { kind: 'Secret', name: 's', namespace: 'default' } }),
      'KEDGE_EVENT_OUT_OF_SCOPE',
    ],
    [
      'named like another node',
      'default',
      event({ metadata: { name: 'edge-2.abc' } }),
      'KEDGE_EVENT_OUT_OF_SCOPE',
    ],
    ['without involvedObject', 'default', event({ involvedObject: undefined }), 'KEDGE_EVENT_INVALID'],
    [
      'with a long reason',
      'default',
      event({ reason: 'r'.repeat(EVENT_LIMITS.reason + 1) }),
      'KEDGE_EVENT_INVALID',
    ],
    [
      'with a long message',
      'default',
      event({ message: 'm'.repeat(EVENT_LIMITS.message + 1) }),
      'KEDGE_EVENT_INVALID',
    ],
    ['of 900 kB', 'default', event({ junk: 'x'.repeat(900_000) }), 'KEDGE_EVENT_INVALID'],
  ])('refuses an Event %s', (_what, ns, content, code) => {
    expect(codeOf(() => admitNodeEvent('edge-1', ns, content))).toBe(code);
  });
});
