// A real kube-apiserver + etcd for the cluster-mode tests, on 127.0.0.1 only:
// etcd on free ports with a temp data dir; the API server with a throwaway
// serving certificate, a generated service-account key pair, static bearer
// tokens (an admin in system:masters plus any users a test asks for) and
// RBAC authorization. No controller-manager runs: nothing garbage-collects
// or creates default service accounts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KedgeError } from '@kedge/api';
import { freePort } from './free-port.ts';
import { requireKubeBinaries } from './kube-binaries.ts';
import { httpsStatus, spawnChild, waitUntil, type Child } from './kube-child.ts';
import { tempDir } from './temp-dir.ts';
import { makeTestCa } from './test-ca.ts';

export { kubeVersion, requireKubeBinaries } from './kube-binaries.ts';

const run = promisify(execFile);

interface KubeUser {
  /** The user name RBAC bindings refer to. */
  name: string;
  groups?: string[];
}

export interface StartKubeApiServerOptions {
  /** Extra static-token users (besides the admin), e.g. for RBAC tests. */
  users?: KubeUser[];
  /** More kube-apiserver flags. */
  extraArgs?: string[];
  /**
   * Keep the ServiceAccount admission plugin on, as in a real cluster: pods need their
   * ServiceAccount to exist (kube-controller-manager creates `default` in each namespace).
   */
  serviceAccountAdmission?: boolean;
  /**
   * More addresses the serving certificate is valid for (e.g. the `kubernetes` Service's
   * 10.96.0.1 and a host address pods reach it at), for clients outside the host's loopback.
   */
  serverIps?: string[];
}

interface KubectlOptions {
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  /** Another identity's kubeconfig; default the admin's. */
  kubeconfig?: string;
  /** Resolve with the result on a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestKubeApiServer {
  /** `https://127.0.0.1:<port>` */
  url: string;
  adminToken: string;
  /** A kubeconfig for the admin (system:masters). */
  kubeconfigPath: string;
  /** The CA that signed the serving certificate. */
  caFile: string;
  /** The private key service-account tokens are signed with (for kube-controller-manager). */
  serviceAccountKeyFile: string;
  /** etcd's client URL (plain http on 127.0.0.1), e.g. to compact it with POST /v3/kv/compaction. */
  etcdUrl: string;
  /** The token of each user given in the options, by name. */
  tokens: Readonly<Record<string, string>>;
  /** Writes a kubeconfig that authenticates with `token`; returns its path. */
  kubeconfigFor(token: string): Promise<string>;
  /** Creates the ServiceAccount if needed and returns a fresh token for it (user `system:serviceaccount:<ns>:<name>`). */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  kubectl(args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** Output of etcd and kube-apiserver, for failing tests. */
  output(): string;
  stop(): Promise<void>;
}

/** GET over https with the test CA and the admin bearer token: the status code, 0 when nothing answers. */
function adminStatus(url: string, ca: Buffer, token: string): Promise<number> {
  return httpsStatus(url, { ca, headers: { Authorization: `Bearer ${token}` } });
}

/** Starts `start(port...)` on fresh free ports, again (3 tries) when a port was taken meanwhile. */
async function onFreePorts(count: number, start: (ports: number[]) => Promise<Child>): Promise<Child> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return await start(ports);
    } catch (err: unknown) {
      const text = err instanceof Error ? err.message : String(err);
      if (attempt >= 3 || !/address already in use/i.test(text)) throw err;
    }
  }
}

function kubeconfigYaml(url: string, caFile: string, token: string): string {
  // JSON is YAML; kubectl and @kubernetes/client-node read it as is.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kedge-test', cluster: { server: url, 'certificate-authority': caFile } }],
      users: [{ name: 'user', user: { token } }],
      contexts: [{ name: 'kedge-test', context: { cluster: 'kedge-test', user: 'user' } }],
      'current-context': 'kedge-test',
    },
    null,
    2,
  );
}

function runKubectl(binary: string, args: string[], input: string | undefined): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export async function startKubeApiServer(
  options: StartKubeApiServerOptions = {},
): Promise<TestKubeApiServer> {
  const bin = requireKubeBinaries();
  const dir = await tempDir('kedge-kube-');
  const children: Child[] = [];
  const stopAll = async (): Promise<void> => {
    for (const child of children.splice(0).reverse()) await child.stop();
  };
  try {
    const { caFile, certFile, keyFile } = await makeTestCa(dir.path, 'apiserver', options.serverIps);
    const ca = await readFile(caFile);
    const saKey = join(dir.path, 'sa.key');
    const saPub = join(dir.path, 'sa.pub');
    await run('openssl', ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', saKey]);
    await run('openssl', ['ec', '-in', saKey, '-pubout', '-out', saPub]);

    const adminToken = randomBytes(24).toString('hex');
    const tokens: Record<string, string> = {};
    const lines = [`${adminToken},kedge-admin,kedge-admin,"system:masters"`];
    for (const [i, user] of (options.users ?? []).entries()) {
      const token = randomBytes(24).toString('hex');
      tokens[user.name] = token;
      lines.push(`${token},${user.name},user-${i},"${(user.groups ?? []).join(',')}"`);
    }
    const tokenFile = join(dir.path, 'tokens.csv');
    await writeFile(tokenFile, lines.join('\n') + '\n', { mode: 0o600 });

    let etcdUrl = '';
    await onFreePorts(2, async ([client, peer]) => {
      etcdUrl = `http://127.0.0.1:${client}`;
      const child = spawnChild('etcd', bin.etcd, [
        '--name=kedge-test',
        `--data-dir=${join(dir.path, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=kedge-test=http://127.0.0.1:${peer}`,
        '--log-level=warn',
        '--logger=zap',
      ]);
      children.push(child);
      const health = `${etcdUrl}/health`;
      await waitUntil(child, 'etcd healthy', 30_000, async () => {
        const res = await fetch(health).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200;
      }).catch(async (err: unknown) => {
        children.pop();
        await child.stop();
        throw err;
      });
      return child;
    });

    let url = '';
    await onFreePorts(1, async ([port]) => {
      url = `https://127.0.0.1:${port}`;
      const child = spawnChild('kube-apiserver', bin.kubeApiServer, [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--tls-cert-file=${certFile}`,
        `--tls-private-key-file=${keyFile}`,
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/24',
        `--disable-admission-plugins=${options.serviceAccountAdmission ? '' : 'ServiceAccount,'}PodSecurity,DefaultStorageClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,DefaultIngressClass,RuntimeClass`,
        '--profiling=false',
        `--cert-dir=${join(dir.path, 'certs')}`,
        '--v=0',
        ...(options.extraArgs ?? []),
      ]);
      children.push(child);
      await waitUntil(child, `${url}/readyz answered 200`, 90_000, async () => {
        return (await adminStatus(`${url}/readyz`, ca, adminToken)) === 200;
      }).catch(async (err: unknown) => {
        children.pop();
        await child.stop();
        throw err;
      });
      return child;
    });
    const apiserver = children[children.length - 1] as Child;
    // The system namespaces appear shortly after /readyz.
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      await waitUntil(apiserver, `namespace ${ns} exists`, 30_000, async () => {
        return (await adminStatus(`${url}/api/v1/namespaces/${ns}`, ca, adminToken)) === 200;
      });
    }

    let configs = 0;
    const kubeconfigFor = async (token: string): Promise<string> => {
      const path = join(dir.path, `kubeconfig-${++configs}.json`);
      await writeFile(path, kubeconfigYaml(url, caFile, token), { mode: 0o600 });
      return path;
    };
    const kubeconfigPath = await kubeconfigFor(adminToken);

    const kubectl = async (args: readonly string[], o: KubectlOptions = {}): Promise<KubectlResult> => {
      const result = await runKubectl(
        bin.kubectl,
        ['--kubeconfig', o.kubeconfig ?? kubeconfigPath, ...args],
        o.input,
      );
      if (result.code !== 0 && !o.allowFailure) {
        throw new KedgeError(
          'KEDGE_INTERNAL',
          `kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`,
          { process: 'kubectl' },
        );
      }
      return result;
    };

    return {
      url,
      adminToken,
      kubeconfigPath,
      caFile,
      serviceAccountKeyFile: saKey,
      etcdUrl,
      tokens,
      kubeconfigFor,
      serviceAccountToken: async (namespace, name) => {
        const exists = await kubectl(['-n', namespace, 'get', 'serviceaccount', name], {
          allowFailure: true,
        });
        if (exists.code !== 0) await kubectl(['-n', namespace, 'create', 'serviceaccount', name]);
        return (await kubectl(['-n', namespace, 'create', 'token', name])).stdout.trim();
      },
      kubectl,
      output: () =>
        children.map((c) => `--- ${c.name}\n${c.log.text('stdout')}${c.log.text('stderr')}`).join('\n'),
      stop: async () => {
        await stopAll();
        await dir.cleanup();
      },
    };
  } catch (err: unknown) {
    await stopAll();
    await dir.cleanup();
    throw err;
  }
}
