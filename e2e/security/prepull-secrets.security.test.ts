// Finding 8 (issue 8): an ImagePrePullJob's `imageSecrets` could name any
// Secret of the cluster, and cloudcore read it with its own (cluster-wide)
// rights and shipped it to the job's nodes: whoever may create a job could
// exfiltrate, say, a kube-system Secret through a node they control.
// Now pull Secrets come only from the configured namespaces (default
// kubeedge): the controller refuses the job with a coded reason naming the
// field, cloudcore never reads one from elsewhere even when a job gets past
// the controller, and cloudcore's own roles grant `get secrets` only there.
// (Object sync reads the Secrets pods use through a separate read-only
// ClusterRole, kedge-cloudcore-pod-secrets, and sends a node only those its
// own pods reference: e2e/security/node-authorizer.security.test.ts.)
import { readFileSync } from 'node:fs';
import { LocalCloud } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const STOLEN = Buffer.from('{"auths":{"registry.internal":{"auth":"YWRtaW46aHVudGVyMg=="}}}').toString(
  'base64',
);

describe('ImagePrePullJob imageSecrets outside the allowed namespaces', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let edge: RawEdgeClient;

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-prepull-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 120 });
    const cloudcore = await cloud.addCloudCore();
    await cloud.store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'admin-pull', namespace: 'kube-system' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': STOLEN },
    });
    // The attacker's node: it keeps whatever the cloud sends it.
    edge = await RawEdgeClient.connect(cloudcore.address, 'edge-mallory', cloud.token('edge-mallory'));
    await edge.register('edge-mallory');
  });
  afterAll(async () => {
    edge?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  const job = (name: string) => ({
    apiVersion: 'operations.kubeedge.io/v1alpha2' as const,
    kind: 'ImagePrePullJob' as const,
    metadata: { name },
    spec: {
      imagePrePullTemplate: {
        images: ['127.0.0.1:5000/app:v1'],
        nodeNames: ['edge-mallory'],
        imageSecrets: 'kube-system/admin-pull',
      },
    },
  });
  const secretSent = (): boolean =>
    edge.received.some((m) => m.route.resource.includes('/secret/')) ||
    JSON.stringify(edge.received).includes(STOLEN);

  it('cloudcore never reads it, even for a job that got past the controller', async () => {
    // No controllermanager yet: the job's status is written here, as a controller with a
    // wider nodeTask.imageSecretNamespaces (or none at all) would have written it.
    const created = await cloud.store.create('ImagePrePullJob', job('bypass'));
    await cloud.store.updateStatus('ImagePrePullJob', {
      ...created,
      status: { phase: 'Init', nodeStatus: [{ nodeName: 'edge-mallory', phase: 'Pending' }] },
    });
    await waitFor(() => edge.received.some((m) => m.route.operation === 'Check') || undefined, {
      what: 'the Check task on edge-mallory',
      timeoutMs: 20_000,
    });
    expect(secretSent()).toBe(false);
    await cloud.replicas[0]!.running.waitForLine(/KEDGE_TASK_SECRET_FORBIDDEN/, 10_000);
  });

  it('the controller refuses the job with a coded reason naming the field', async () => {
    await cloud.startControllerManager();
    await cloud.store.create('ImagePrePullJob', job('exfiltrate'));
    const refused = await waitFor(
      async () => {
        const j = await cloud.store.get('ImagePrePullJob', 'exfiltrate');
        return j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: 'ImagePrePullJob exfiltrate refused', timeoutMs: 20_000 },
    );
    expect(refused.status?.reason).toMatch(
      /^KEDGE_TASK_SECRET_FORBIDDEN: spec\.imagePrePullTemplate\.imageSecrets: Secret kube-system\/admin-pull .*nodeTask\.imageSecretNamespaces: kubeedge/,
    );
    expect(refused.status?.nodeStatus ?? []).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(secretSent()).toBe(false);
  });

  it("cloudcore's task roles grant get on secrets in kubeedge only; the pod-secrets role is read-only", () => {
    const docs = parseAllDocuments(
      readFileSync(new URL('../../configs/k8s/rbac.yaml', import.meta.url), 'utf8'),
    ).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string; namespace?: string };
          rules?: { resources: string[] }[];
        },
    );
    const grantsSecrets = (d: (typeof docs)[number]): boolean =>
      (d.rules ?? []).some((r) => r.resources.includes('secrets'));
    const cloudcoreRoles = docs.filter((d) => d.metadata.name === 'kedge-cloudcore' && d.rules !== undefined);
    expect(cloudcoreRoles.filter((d) => d.kind === 'ClusterRole' && grantsSecrets(d))).toEqual([]);
    expect(
      cloudcoreRoles.filter((d) => d.kind === 'Role' && grantsSecrets(d)).map((d) => d.metadata.namespace),
    ).toEqual(['kubeedge']);
    // The only other role touching secrets: object sync's, which reads and never writes.
    const others = docs.filter(
      (d) => d.metadata.name !== 'kedge-cloudcore' && d.rules !== undefined && grantsSecrets(d),
    );
    expect(others.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ClusterRole/kedge-cloudcore-pod-secrets',
    ]);
    const verbs = (others[0]?.rules ?? []) as unknown as { verbs: string[] }[];
    expect(verbs.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'watch']);
  });
});
