import { describe, expect, it } from 'vitest';
import { validateAs } from '../validate.ts';
import { secretValue } from './secret.ts';

describe('core/v1 Event', () => {
  it('accepts an edge report and keeps fields the API server adds', () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'edge-1.1800a1b2c3', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'edge-1', uid: 'edge-1' },
      reason: 'ImagePullFailed',
      message: 'pull private/app:1: unauthorized',
      type: 'Warning',
      source: { component: 'edgecore', host: 'edge-1' },
      firstTimestamp: '2025-05-28T08:12:01Z',
      lastTimestamp: '2025-05-28T08:12:09Z',
      count: 3,
      reportingComponent: '',
      eventTime: null,
    };
    expect(validateAs('Event', event)).toEqual(event);
  });

  it('rejects an event type other than Normal or Warning', () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'Node', name: 'n' },
      type: 'Error',
    };
    expect(() => validateAs('Event', event)).toThrow(/type: /);
  });
});

describe('core/v1 Secret', () => {
  const secret = validateAs('Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': btoa('{"auths":{}}') },
    stringData: { note: 'plain' },
  });

  it('decodes data and reads stringData', () => {
    expect(secretValue(secret, '.dockerconfigjson')).toBe('{"auths":{}}');
    expect(secretValue(secret, 'note')).toBe('plain');
    expect(secretValue(secret, 'missing')).toBeUndefined();
  });

  it('rejects data that is not base64', () => {
    const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { key: 'not base64!' } };
    expect(() => validateAs('Secret', bad)).toThrow(/data\.key: must be base64/);
  });
});
