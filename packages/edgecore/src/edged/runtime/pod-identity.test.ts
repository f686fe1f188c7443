import { describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import {
  checkPodIdentity,
  graceOfAnnotations,
  podOfLabels,
  podSelector,
  sandboxAnnotations,
} from './pod-identity.ts';
import { sandboxConfig } from './sandbox-config.ts';

const POD = { namespace: 'shop', name: 'cart', uid: '6c1f0c9e-2b7a', attempt: 2 };

describe('pod identity', () => {
  it('round-trips through labels and annotations', () => {
    expect(podOfLabels(podSelector(POD), sandboxAnnotations(POD))).toEqual(POD);
  });

  it('ignores what kedge did not start', () => {
    expect(podOfLabels({ 'io.kedge.pod.name': 'cart' })).toBeUndefined();
    expect(podOfLabels({ 'io.kubernetes.pod.name': 'cart' })).toBeUndefined();
  });

  it("keeps kedge's keys over the pod's own labels in the sandbox config", () => {
    const config = sandboxConfig({
      pod: POD,
      podLogsRoot: '/var/log/pods',
      labels: { app: 'cart', 'io.kedge.pod.name': 'other', 'io.kedge.pod.uid': 'forged' },
      ports: [{ containerPort: 8080, hostPort: 30080 }],
    });
    expect(config.labels).toEqual({ app: 'cart', ...podSelector(POD) });
    expect(config).toMatchObject({
      metadata: { name: 'cart', namespace: 'shop', uid: POD.uid, attempt: 2 },
      hostname: 'cart',
      logDirectory: '/var/log/pods/shop_cart_6c1f0c9e-2b7a',
      portMappings: [{ protocol: 0, containerPort: 8080, hostPort: 30080 }],
      annotations: { 'io.kedge.pod.attempt': '2' },
    });
  });

  it('records the grace period on the sandbox and reads back only a whole number of seconds', () => {
    const config = sandboxConfig({ pod: POD, podLogsRoot: '/l', terminationGraceSeconds: 45 });
    expect(graceOfAnnotations(config.annotations)).toBe(45);
    expect(graceOfAnnotations(sandboxConfig({ pod: POD, podLogsRoot: '/l' }).annotations)).toBeUndefined();
    for (const junk of ['-1', '1e9', '', ' 5', '99999999999'])
      expect(graceOfAnnotations({ 'io.kedge.pod.terminationGracePeriod': junk })).toBeUndefined();
  });

  it('refuses names that could leave the log directory or a label value', () => {
    let err: unknown;
    try {
      checkPodIdentity({ namespace: 'shop', name: '../../etc', uid: 'u/1', attempt: -1 });
    } catch (e: unknown) {
      err = e;
    }
    expect(hasCode(err, 'KEDGE_RESOURCE_INVALID')).toBe(true);
    expect((err as Error).message).toBe(
      'pod shop/../../etc: name: "../../etc" is not a DNS name; uid: "u/1" is not a uid; attempt: -1 is not >= 0',
    );
  });

  it('refuses a port outside 1-65535', () => {
    expect(() => sandboxConfig({ pod: POD, podLogsRoot: '/l', ports: [{ containerPort: 0 }] })).toThrow(
      'pod shop/cart: ports: 0->- is not a port number (1-65535)',
    );
  });
});
