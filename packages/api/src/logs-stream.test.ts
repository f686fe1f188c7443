import { describe, expect, it } from 'vitest';
import { errorCodeOf } from './errors.ts';
import { logsTarget } from './logs-stream.ts';
import type { Pod } from './resources/pod.ts';

const pod = (containers: string[], nodeName?: string): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((name) => ({ name, image: 'x' })) },
  }) as Pod;
const ref = { namespace: 'shop', pod: 'web' };

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err: unknown) {
    return { code: errorCodeOf(err), message: (err as Error).message };
  }
  throw new Error('expected an error');
}

describe('logsTarget', () => {
  it('picks the only container, or the named one, on the pod’s node', () => {
    expect(logsTarget(pod(['app'], 'edge-1'), ref, undefined)).toEqual({ node: 'edge-1', container: 'app' });
    expect(logsTarget(pod(['app', 'side'], 'edge-1'), ref, 'side')).toEqual({
      node: 'edge-1',
      container: 'side',
    });
  });

  it('codes a missing pod, an unbound pod and a wrong or missing container, naming the containers', () => {
    expect(failure(() => logsTarget(undefined, ref, undefined))).toEqual({
      code: 'KEDGE_LOGS_POD_NOT_FOUND',
      message: 'pod shop/web not found',
    });
    expect(failure(() => logsTarget(pod(['app']), ref, undefined)).code).toBe('KEDGE_LOGS_POD_NOT_BOUND');
    expect(failure(() => logsTarget(pod(['app', 'side'], 'edge-1'), ref, 'nope'))).toEqual({
      code: 'KEDGE_LOGS_CONTAINER_NOT_FOUND',
      message: 'container nope is not valid for pod shop/web, choose one of: [app side]',
    });
    expect(failure(() => logsTarget(pod(['app', 'side'], 'edge-1'), ref, undefined))).toEqual({
      code: 'KEDGE_LOGS_CONTAINER_NOT_FOUND',
      message: 'a container name must be specified for pod shop/web, choose one of: [app side]',
    });
  });
});
