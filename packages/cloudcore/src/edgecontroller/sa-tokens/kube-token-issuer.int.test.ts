// Cluster mode: a pod's token from a real kube-apiserver's TokenRequest API,
// asked for through the Kubernetes store: bound to the pod (its name and
// UID in the token), for the pod's ServiceAccount, with the lifetime asked
// for; a request naming another UID than the pod's is refused with a code.
import type { Pod } from '@kedge/api';
import { hasCode } from '@kedge/api';
import { openKubernetesStore, serviceAccountTokenRequester, type ResourceStore } from '@kedge/store';
import { startKubeApiServer, type TestKubeApiServer } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeTokenIssuer } from './kube-token-issuer.ts';

describe('ServiceAccount tokens from TokenRequest (real kube-apiserver)', () => {
  let kube: TestKubeApiServer;
  let store: ResourceStore;
  let pod: Pod;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.serviceAccountToken('default', 'builder'); // creates the ServiceAccount
    store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
    pod = await store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: 'edge-1',
        serviceAccountName: 'builder',
        containers: [{ name: 'app', image: '127.0.0.1:5000/app:v1' }],
      },
    });
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    await kube?.stop();
  });

  it('issues a token bound to the pod, for its ServiceAccount, living as long as asked', async () => {
    const requester = serviceAccountTokenRequester(store);
    expect(requester).toBeDefined();
    const issuer = new KubeTokenIssuer(requester!);
    const now = Date.now();
    const issued = await issuer.issue(
      {
        namespace: 'default',
        serviceAccount: 'builder',
        pod: { name: 'web', uid: pod.metadata.uid ?? '' },
        node: 'edge-1',
        expirationSeconds: 3600,
      },
      now,
    );
    const claims = JSON.parse(Buffer.from(issued.token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      iat: number;
      exp: number;
      'kubernetes.io': { pod: { name: string; uid: string } };
    };
    expect(claims.sub).toBe('system:serviceaccount:default:builder');
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'web', uid: pod.metadata.uid });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(Math.abs(issued.expiresAtMs - (now + 3600_000))).toBeLessThan(60_000);
  });

  it('refuses a token for a pod UID that is not the pod’s (a deleted and re-created pod)', async () => {
    const issuer = new KubeTokenIssuer(serviceAccountTokenRequester(store)!);
    const err = await issuer
      .issue(
        {
          namespace: 'default',
          serviceAccount: 'builder',
          pod: { name: 'web', uid: '00000000-0000-0000-0000-000000000000' },
          node: 'edge-1',
          expirationSeconds: 3600,
        },
        Date.now(),
      )
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /serviceaccounts\/builder\/token in namespace default: HTTP 4\d\d: .*uid/i,
    );
    expect(hasCode(err, 'KEDGE_STORE_UNAVAILABLE')).toBe(false);
  });
});
