// configs/k8s and keadm init / gettoken against a real kube-apiserver + etcd:
// every manifest passes the API server's own validation (kubectl apply
// --dry-run=server, after the CRDs and the namespace), keadm init --apply
// creates the cloud, the token Secret and the CA Secret once, and keadm
// gettoken makes join tokens from those Secrets.
import { join } from 'node:path';
import { renderCrds, secretValue, type Secret } from '@kedge/api';
import { caHashOfPem, verifyJoinJwt } from '@kedge/tokens';
import {
  repoRoot,
  requireKubeBinaries,
  startKubeApiServer,
  tempDir,
  type TempDir,
  type TestKubeApiServer,
} from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { keadm } from '../../test/test-fixtures.ts';
import { DEFAULT_MANIFEST_DIR, loadManifestFiles } from './k8s-manifests.ts';
import type { ConfigMap, Deployment, KubeObject } from '../../test/test-k8s-objects.ts';

const MANIFESTS = DEFAULT_MANIFEST_DIR;

describe('configs/k8s on a real kube-apiserver', () => {
  let kube: TestKubeApiServer;
  let home: TempDir;
  let env: NodeJS.ProcessEnv;
  let kubectlBin: string;

  const get = async <T>(args: string[]): Promise<T> =>
    JSON.parse((await kube.kubectl([...args, '-o', 'json'])).stdout) as T;
  const tokenSecret = async (): Promise<string | undefined> => {
    const found = await kube.kubectl(['-n', 'kubeedge', 'get', 'secret', 'tokensecret', '-o', 'json'], {
      allowFailure: true,
    });
    return found.code === 0 ? secretValue(JSON.parse(found.stdout) as Secret, 'tokendata') : undefined;
  };
  const caSecret = async (): Promise<string | undefined> => {
    const found = await kube.kubectl(['-n', 'kubeedge', 'get', 'secret', 'casecret', '-o', 'json'], {
      allowFailure: true,
    });
    return found.code === 0 ? secretValue(JSON.parse(found.stdout) as Secret, 'rootCA.crt') : undefined;
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ users: [{ name: 'nobody' }] });
    home = await tempDir('kedge-init-home-');
    env = { HOME: home.path };
    kubectlBin = requireKubeBinaries().kubectl;
  });
  afterAll(async () => {
    await kube?.stop();
    await home?.cleanup();
  });

  it('every manifest passes kubectl apply --dry-run=server (CRDs and namespace first)', async () => {
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs', 'crds')]);
    await kube.kubectl(['apply', '-f', join(MANIFESTS, 'namespace.yaml')]);
    const result = await kube.kubectl(['apply', '--dry-run=server', '-k', MANIFESTS], { allowFailure: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const objects = loadManifestFiles(MANIFESTS).flatMap((f) => f.docs);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    for (const line of lines) expect(line).toMatch(/ \(server dry run\)$/);
    for (const kind of [
      'deployment.apps/cloudcore',
      'deployment.apps/controllermanager',
      'service/cloudcore',
    ]) {
      expect(result.stdout).toContain(kind);
    }
    // a dry run creates nothing
    const deployments = await get<{ items: unknown[] }>(['-n', 'kubeedge', 'get', 'deployments']);
    expect(deployments.items).toEqual([]);
  });

  it('keadm gettoken --kubeconfig says when the cluster has no token Secret', async () => {
    const r = await keadm(['gettoken', '--node', 'edge-1', '--kubeconfig', kube.kubeconfigPath], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'the cluster has no Secret kubeedge/tokensecret (keadm init --apply creates it)',
    );
  });

  it('keadm init --apply --dry-run asks the server and changes nothing', async () => {
    const r = await keadm(
      ['init', '--apply', '--dry-run', '--kubectl', kubectlBin, '--kubeconfig', kube.kubeconfigPath],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/cloudcore created (server dry run)');
    expect(r.stdout).toContain('secret/tokensecret in namespace kubeedge created (server dry run)');
    expect(r.stdout).toContain('secret/casecret in namespace kubeedge created (server dry run)');
    expect(await tokenSecret()).toBeUndefined();
    expect(await caSecret()).toBeUndefined();
  });

  it('keadm init --apply creates the cloud for the image and version given, and the token Secret once', async () => {
    const args = [
      'init',
      '--apply',
      '--kubectl',
      kubectlBin,
      '--kubeconfig',
      kube.kubeconfigPath,
      '--image-repo',
      'registry.example:5000/kedge',
      '--version',
      'v9.8.7',
      '--advertise-address',
      '192.0.2.10',
    ];
    const first = await keadm(args, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/nodeupgradejobs.operations.kubeedge.io',
    );
    expect(first.stdout).toContain('deployment.apps/cloudcore created');
    expect(first.stdout).toContain('secret/tokensecret in namespace kubeedge created');
    expect(first.stdout).toContain('keadm join --cloudcore-ipport 192.0.2.10:10000');

    const cloudcore = await get<Deployment>(['-n', 'kubeedge', 'get', 'deployment', 'cloudcore']);
    expect(cloudcore.spec.template.spec.containers[0]?.image).toBe(
      'registry.example:5000/kedge/cloudcore:v9.8.7',
    );
    expect(cloudcore.spec.replicas).toBe(2);
    const cm = await get<ConfigMap>(['-n', 'kubeedge', 'get', 'configmap', 'cloudcore']);
    expect(cm.data['cloudcore.yaml']).toContain('- 192.0.2.10');
    const secret = await tokenSecret();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    // again: everything unchanged, the Secret kept (joined nodes' tokens stay valid)
    const second = await keadm(args, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('deployment.apps/cloudcore unchanged');
    expect(second.stdout).toContain('exists (kept');
    expect(await tokenSecret()).toBe(secret);
    const ca = await caSecret();
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(second.stdout).toContain('secret/casecret in namespace kubeedge exists (kept');

    const token = await keadm(['gettoken', '--node', 'edge-1', '--kubeconfig', kube.kubeconfigPath], env);
    expect(token.stderr).toBe('');
    const [hash, ...jwt] = token.stdout.trim().split('.');
    expect(hash).toBe(caHashOfPem(ca ?? ''));
    expect((await verifyJoinJwt(secret ?? '', jwt.join('.'))).node).toBe('edge-1');
  });

  it('keadm init prints what --apply applies', async () => {
    const printed = await keadm(['init', '--skip-crds'], env);
    expect(printed.code).toBe(0);
    const kinds = parseAllDocuments(printed.stdout).map((d) => String(d.get('kind')));
    const files = loadManifestFiles(MANIFESTS).flatMap((f) => f.docs.map((d) => String(d.get('kind'))));
    expect(kinds).toEqual(files);
    expect(printed.stdout.split('\n')[0]).toMatch(/^# kedge v\d+\.\d+\.\d+ \(kedge\)/);
    const all = await keadm(['init'], env);
    const allKinds = parseAllDocuments(all.stdout).map((d) => String(d.get('kind')));
    expect(allKinds).toEqual([...renderCrds().map(() => 'CustomResourceDefinition'), ...files]);
  });

  it('keadm init with the default image and version renders exactly what kubectl reads from the directory', async () => {
    // kubectl reads YAML 1.1 (0400 is octal, yes is a boolean); keadm's edit must not change any value
    const printed = await keadm(['init', '--skip-crds', '--version', 'v0.1.0'], env);
    const asKubectlReads = async (input: string): Promise<Record<string, unknown>> => {
      const r = await kube.kubectl(['create', '--dry-run=client', '-o', 'yaml', '-f', '-'], { input });
      const items = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
      return Object.fromEntries(items.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    };
    const kustomized = await kube.kubectl(['kustomize', MANIFESTS]);
    const fromKeadm = await asKubectlReads(printed.stdout);
    expect(Object.keys(fromKeadm).length).toBe(loadManifestFiles(MANIFESTS).flatMap((f) => f.docs).length);
    expect(fromKeadm).toEqual(await asKubectlReads(kustomized.stdout));
  });

  it('keadm init --apply as a user without the rights fails with kubectl naming what was forbidden', async () => {
    const kubeconfig = await kube.kubeconfigFor(kube.tokens.nobody ?? '');
    const r = await keadm(
      ['init', '--apply', '--skip-crds', '--kubectl', kubectlBin, '--kubeconfig', kubeconfig],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*kubectl --kubeconfig .* apply -f - exited 1: .*forbidden/s);
    expect(r.stderr).toContain('User "nobody" cannot');
  });
});
