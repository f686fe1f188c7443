// configs/k8s as shipped, and as keadm init renders it: the embedded configs
// load with the daemons' own loaders, the Deployments point at the files and
// ports the configs name, and the flags change only what they should.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@kedge/api';
import { loadCloudCoreConfig } from '@kedge/cloudcore';
import { loadControllerManagerConfig } from '@kedge/controllermanager';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument, type Document } from 'yaml';
import { DEFAULT_MANIFEST_DIR, manifestStream, renderManifests, type ManifestFile } from './k8s-manifests.ts';
import {
  findObject,
  only,
  type Container,
  type Deployment,
  type KubeObject,
} from '../../test/test-k8s-objects.ts';

/** The files written for this package (rbac.yaml is checked by the cluster tests). */
const FILES = [
  'namespace.yaml',
  'serviceaccounts.yaml',
  'cloudcore-configmap.yaml',
  'controllermanager-configmap.yaml',
  'cloudcore-deployment.yaml',
  'controllermanager-deployment.yaml',
  'cloudcore-service.yaml',
];

function load(name: string): ManifestFile {
  const docs = parseAllDocuments(readFileSync(join(DEFAULT_MANIFEST_DIR, name), 'utf8')) as Document[];
  return { name, docs };
}

const objects = (files: readonly ManifestFile[]): KubeObject[] =>
  files.flatMap((f) => f.docs.map((d) => d.toJS() as KubeObject));
const container = (d: Deployment): Container => only(d.spec.template.spec.containers, 'container');

describe('configs/k8s', () => {
  const files = FILES.map(load);
  const objs = objects(files);
  const cloudcoreText = (): string => findObject(objs, 'ConfigMap', 'cloudcore').data['cloudcore.yaml'] ?? '';

  it('kustomization.yaml lists every manifest file, rbac.yaml included', () => {
    const k = parseDocument(
      readFileSync(join(DEFAULT_MANIFEST_DIR, 'kustomization.yaml'), 'utf8'),
    ).toJS() as {
      resources: string[];
    };
    expect([...k.resources].sort()).toEqual([...FILES, 'rbac.yaml'].sort());
  });

  it("the cloudcore ConfigMap's cloudcore.yaml passes loadCloudCoreConfig: Kubernetes store, in cluster", () => {
    const config = loadCloudCoreConfig({ file: 'cloudcore.yaml', text: cloudcoreText(), env: {} });
    expect(config.store).toMatchObject({
      backend: 'kubernetes',
      kubernetes: { inCluster: true, kubeconfig: '' },
    });
    expect(config.modules.cloudHub.websocket).toEqual({ enable: true, address: '0.0.0.0', port: 10000 });
  });

  it("the controllermanager ConfigMap's controllermanager.yaml passes loadControllerManagerConfig: leader-elected", () => {
    const cm = findObject(objs, 'ConfigMap', 'controllermanager');
    const config = loadControllerManagerConfig({
      file: 'controllermanager.yaml',
      text: cm.data['controllermanager.yaml'] ?? '',
      env: {},
    });
    expect(config.store).toMatchObject({ backend: 'kubernetes', kubernetes: { inCluster: true } });
    expect(config.leaderElection).toMatchObject({ enable: true, resourceNamespace: 'kubeedge' });
    expect(config.health).toEqual({ address: '0.0.0.0', port: 10357 });
    const c = container(findObject(objs, 'Deployment', 'controllermanager'));
    expect(only(c.ports, 'port').containerPort).toBe(config.health.port);
  });

  it('cloudcore: 2+ replicas on different hosts, its config, secret and tunnel port wired up', () => {
    const d = findObject(objs, 'Deployment', 'cloudcore');
    const config = loadCloudCoreConfig({ text: cloudcoreText(), env: {} });
    const pod = d.spec.template.spec;
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
    const anti = only(
      pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      'anti-affinity',
    );
    expect(anti.topologyKey).toBe('kubernetes.io/hostname');
    expect(anti.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(pod.serviceAccountName).toBe('cloudcore');

    const c = container(d);
    const mountOf = (volume: string): string =>
      only(c.volumeMounts, `mount ${volume}`, (m) => m.name === volume).mountPath;
    const volume = (name: string) => only(pod.volumes, `volume ${name}`, (v) => v.name === name);
    // the token Secret is readable by the non-root user cloudcore runs as
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
    expect(volume('token-secret').secret?.defaultMode).toBe(0o440);
    // --config names the ConfigMap's key where the ConfigMap is mounted
    expect(volume('config').configMap?.name).toBe('cloudcore');
    expect(c.args).toEqual(['--config', `${mountOf('config')}/cloudcore.yaml`]);
    // the token secret file is the Secret's key where the Secret is mounted
    expect(volume('token-secret').secret?.secretName).toBe('tokensecret');
    expect(config.modules.cloudHub.auth.tokenSecretFile).toBe(`${mountOf('token-secret')}/tokendata`);
    expect(volume('tls').secret).toEqual({ secretName: 'cloudcore-tls', optional: true, defaultMode: 0o440 });
    // certificates mode: the cloud CA from the Secret casecret, the bootstrap port exposed
    const { tls, https } = config.modules.cloudHub;
    expect(tls.enable).toBe(true);
    expect(volume('ca').secret).toEqual({ secretName: 'casecret', defaultMode: 0o440 });
    expect([tls.caFile, tls.caKeyFile]).toEqual([
      `${mountOf('ca')}/rootCA.crt`,
      `${mountOf('ca')}/rootCA.key`,
    ]);
    const certs = only(c.ports, 'certs port', (p) => p.name === 'certs');
    expect([https.enable, certs.containerPort]).toEqual([true, https.port]);
    // probes ask /healthz on the tunnel port, over TLS
    const port = only(c.ports, 'cloudhub port', (p) => p.name === 'cloudhub');
    expect(port.containerPort).toBe(config.modules.cloudHub.websocket.port);
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'cloudhub', scheme: 'HTTPS' });
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
  });

  it('controllermanager: one replica, its own service account and config', () => {
    const d = findObject(objs, 'Deployment', 'controllermanager');
    const c = container(d);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.serviceAccountName).toBe('controllermanager');
    expect(c.args).toEqual(['--config', '/etc/kedge/config/controllermanager.yaml']);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
  });

  it('the tunnel Services select the cloudcore pods on port 10000 (tunnel) and 10002 (certificates)', () => {
    const lb = findObject(objs, 'Service', 'cloudcore');
    const perReplica = findObject(objs, 'Service', 'cloudcore-replicas');
    const pods = findObject(objs, 'Deployment', 'cloudcore').spec.template.metadata.labels;
    expect(lb.spec.type).toBe('LoadBalancer');
    expect(perReplica.spec.clusterIP).toBe('None');
    for (const svc of [lb, perReplica]) {
      expect(pods).toMatchObject(svc.spec.selector);
      expect(svc.spec.ports).toEqual([
        { name: 'cloudhub', port: 10000, targetPort: 'cloudhub', protocol: 'TCP' },
        { name: 'certs', port: 10002, targetPort: 'certs', protocol: 'TCP' },
      ]);
    }
  });

  it('every namespaced object lives in kubeedge', () => {
    for (const o of objs.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('kubeedge');
  });
});

describe('renderManifests (keadm init)', () => {
  const files = FILES.map(load);

  /** An object with images blanked and the advertise addresses dropped: what the flags must not touch. */
  function untouched(o: KubeObject): unknown {
    const copy = structuredClone(o);
    if (copy.kind === 'Deployment')
      for (const c of (copy as Deployment).spec.template.spec.containers) c.image = '';
    const data = (copy as { data?: Record<string, string | object> }).data;
    const text = data?.['cloudcore.yaml'];
    if (data && typeof text === 'string') {
      const inner = parseDocument(text);
      inner.deleteIn(['modules', 'cloudHub', 'advertiseAddress']);
      data['cloudcore.yaml'] = inner.toJS() as object;
    }
    return copy;
  }

  it('sets every image to <repo>/<component>:<version> and the advertise addresses, and nothing else', () => {
    const rendered = renderManifests(files, {
      imageRepo: 'registry.example:5000/edge/kedge',
      version: 'v0.3.1',
      advertiseAddress: ['10.0.0.7', '10.0.0.8'],
    });
    const objs = rendered.map((d) => d.toJS() as KubeObject);
    const image = (name: string): string => container(findObject(objs, 'Deployment', name)).image;
    expect(image('cloudcore')).toBe('registry.example:5000/edge/kedge/cloudcore:v0.3.1');
    expect(image('controllermanager')).toBe('registry.example:5000/edge/kedge/controllermanager:v0.3.1');

    const text = findObject(objs, 'ConfigMap', 'cloudcore').data['cloudcore.yaml'] ?? '';
    const config = loadCloudCoreConfig({ text, env: {} });
    expect(config.modules.cloudHub.advertiseAddress).toEqual(['10.0.0.7', '10.0.0.8']);
    expect(text).toContain('# keadm init --advertise-address sets it'); // comments survive

    const original = objects(files);
    expect(objs.map(untouched)).toEqual(original.map(untouched));
    // the source documents are not changed
    expect(container(findObject(original, 'Deployment', 'cloudcore')).image).toBe('kedge/cloudcore:v0.1.0');
  });

  it('prints one stream of documents that parses back to the same objects', () => {
    const rendered = renderManifests(files, { imageRepo: 'kedge', version: 'v0.1.0' });
    const back = parseAllDocuments(manifestStream(rendered)) as Document[];
    expect(back.map((d) => d.toJS() as unknown)).toEqual(objects(files));
  });

  it('refuses bad flags, naming them', () => {
    const bad = (o: Parameters<typeof renderManifests>[1], text: RegExp): void => {
      let caught: unknown;
      try {
        renderManifests(files, o);
      } catch (err: unknown) {
        caught = err;
      }
      expect(hasCode(caught, 'KEDGE_CLI_USAGE')).toBe(true);
      expect(String(caught)).toMatch(text);
    };
    bad({ imageRepo: 'Kedge/Upper', version: 'v1' }, /--image-repo: "Kedge\/Upper"/);
    bad({ imageRepo: 'kedge', version: 'v1:2' }, /--version: "v1:2" is not an image tag/);
    bad(
      { imageRepo: 'kedge', version: 'v1', advertiseAddress: ['cloud.example'] },
      /--advertise-address: "cloud.example"/,
    );
  });
});
