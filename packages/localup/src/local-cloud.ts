// A cloud on this machine: cloudcore replicas and controllermanager(s) as
// real processes, with configs written into a work directory. Embedded mode
// (default): they share one SQLite store. Cluster mode (`kubernetes`): they
// use a kube-apiserver, each process with its own kubeconfig (its own
// ServiceAccount token, so RBAC applies per process). Used by the demo and
// the e2e tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError, isNodeReady } from '@kedge/api';
import { caHashOfPem, createJoinToken, nodeToken } from '@kedge/tokens';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { freePort, startProcess, waitFor, type ManagedProcess } from '@kedge/testing';
import { stringify } from 'yaml';

export interface LocalCloudOptions {
  dir: string;
  /** cloudcore keepaliveTimeout, seconds (default 4: tests want fast NotReady). */
  keepaliveTimeout?: number;
  nodeStatusUpdateFrequency?: number;
  /** modules.cloudHub.nodeLease.durationSeconds (default 40; Leases are on in cluster mode only). */
  nodeLeaseDuration?: number;
  maxMessageBytes?: number;
  nodeLimit?: number;
  /** controllermanager timeoutCheckPeriod / monitorPeriod etc. use their defaults. */
  featureGates?: { disableNodeTaskV1alpha2?: boolean };
  /** Serve wss:// with this certificate and key. */
  tls?: { certFile: string; keyFile: string };
  /**
   * The shipped default: a cloud CA (created in dir/ca on first start), client certificates as node
   * identity and the bootstrap server (GET /ca.crt, /edge.crt); edges join with `joinToken()`.
   */
  certificates?: boolean;
  /** modules.cloudHub.edgeCertSigningDuration, days (fractions for rotation tests). */
  edgeCertSigningDuration?: number;
  /** Extra env for every cloud process. */
  env?: Record<string, string>;
  /** Cluster mode: `store.backend: kubernetes` for every process. */
  kubernetes?: LocalCloudKubernetes;
  /** Turn controllermanager leader election on with these timings (seconds). */
  leaderElection?: { leaseDuration: number; renewDeadline: number; retryPeriod: number };
}

export type CloudProcessKind = 'cloudcore' | 'controllermanager';

export interface LocalCloudKubernetes {
  /** The kubeconfig file the process `id` (`cloudcore-0`, `controllermanager`, ...) authenticates with. */
  kubeconfigFor(process: CloudProcessKind, id: string): string;
  /** The caller's own (admin) view of the API server, exposed as `LocalCloud.store`; not closed by close(). */
  store: ResourceStore;
}

/** One daemon process that can be killed and started again with the same config. */
export class LocalProcess {
  readonly id: string;
  readonly args: string[];
  readonly readyLine: RegExp;
  private readonly env: Record<string, string>;
  process: ManagedProcess | undefined;

  constructor(id: string, args: string[], readyLine: RegExp, env: Record<string, string> = {}) {
    this.id = id;
    this.args = args;
    this.readyLine = readyLine;
    this.env = env;
  }

  async start(): Promise<void> {
    this.process = startProcess({ name: this.id, args: this.args, env: this.env });
    await this.process.waitForLine(this.readyLine, 30_000);
  }

  get running(): ManagedProcess {
    if (!this.process) throw new KedgeError('KEDGE_INTERNAL', `${this.id} is not running (start() it first)`);
    return this.process;
  }

  async killHard(): Promise<void> {
    await this.process?.killHard();
    this.process = undefined;
  }

  async stop(): Promise<void> {
    await this.process?.kill();
    this.process = undefined;
  }
}

export class CloudCoreReplica extends LocalProcess {
  readonly port: number;
  /** The certificate bootstrap port (certificates mode). */
  readonly httpsPort: number | undefined;

  constructor(id: string, configFile: string, port: number, env: Record<string, string>, httpsPort?: number) {
    super(id, ['packages/cloudcore/src/main.ts', '--config', configFile], /"cloudcore started"/, env);
    this.port = port;
    this.httpsPort = httpsPort;
  }

  /** https://127.0.0.1:<bootstrap port>, for modules.edgeHub.httpServer. */
  get httpServer(): string {
    if (this.httpsPort === undefined) {
      throw new KedgeError(
        'KEDGE_INTERNAL',
        `${this.id} serves no certificate bootstrap (started without one)`,
      );
    }
    return `https://127.0.0.1:${this.httpsPort}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}

export class LocalCloud {
  readonly dir: string;
  readonly storePath: string;
  readonly secretFile: string;
  readonly secret = 'localup-secret-0123456789abcdef0123456789';
  readonly replicas: CloudCoreReplica[] = [];
  /** The controllermanager started last. */
  controllerManager: LocalProcess | undefined;
  readonly controllerManagers: LocalProcess[] = [];
  readonly store: ResourceStore;
  private readonly options: LocalCloudOptions;

  constructor(options: LocalCloudOptions) {
    this.options = options;
    this.dir = options.dir;
    this.storePath = join(options.dir, 'kedge.db');
    this.secretFile = join(options.dir, 'token-secret');
    writeFileSync(this.secretFile, this.secret);
    this.store = options.kubernetes?.store ?? openSqliteStore({ path: this.storePath });
  }

  /** The `store:` section of a process's config; `kubeconfig` overrides the one from the options. */
  private storeConfig(process: CloudProcessKind, id: string, kubeconfig?: string): Record<string, unknown> {
    const kube = this.options.kubernetes;
    if (!kube) return { backend: 'sqlite', sqlite: { path: this.storePath } };
    return {
      backend: 'kubernetes',
      kubernetes: { kubeconfig: kubeconfig ?? kube.kubeconfigFor(process, id), inCluster: false },
    };
  }

  /**
   * Starts one more cloudcore replica on a free port; `featureGates` overrides the cloud-wide ones,
   * `kubeconfig` (cluster mode) the identity it would get from `kubernetes.kubeconfigFor`.
   */
  async addCloudCore(
    options: { featureGates?: { disableNodeTaskV1alpha2?: boolean }; kubeconfig?: string } = {},
  ): Promise<CloudCoreReplica> {
    const port = await freePort();
    const httpsPort = this.options.certificates ? await freePort() : undefined;
    const id = `cloudcore-${this.replicas.length}`;
    const configFile = join(this.dir, `${id}.yaml`);
    const o = this.options;
    writeFileSync(
      configFile,
      stringify({
        apiVersion: 'cloudcore.config.kubeedge.io/v1alpha2',
        kind: 'CloudCore',
        store: this.storeConfig('cloudcore', id, options.kubeconfig),
        featureGates: {
          disableNodeTaskV1alpha2:
            options.featureGates?.disableNodeTaskV1alpha2 ?? o.featureGates?.disableNodeTaskV1alpha2 ?? false,
        },
        modules: {
          cloudHub: {
            replicaId: id,
            keepaliveTimeout: o.keepaliveTimeout ?? 4,
            nodeStatusUpdateFrequency: o.nodeStatusUpdateFrequency ?? 2,
            ...(o.nodeLeaseDuration
              ? { nodeLease: { enable: 'auto', durationSeconds: o.nodeLeaseDuration } }
              : {}),
            maxMessageBytes: o.maxMessageBytes ?? 1048576,
            nodeLimit: o.nodeLimit ?? 1000,
            websocket: { address: '127.0.0.1', port },
            auth: { tokenSecretFile: this.secretFile },
            ...this.tlsConfig(httpsPort),
          },
        },
      }),
    );
    const replica = new CloudCoreReplica(id, configFile, port, o.env ?? {}, httpsPort);
    await replica.start();
    this.replicas.push(replica);
    return replica;
  }

  /**
   * Starts a controllermanager (`controllermanager`, then `controllermanager-1`, ...: more than one
   * only makes sense with `leaderElection`); `featureGates` overrides the cloud-wide ones.
   */
  async startControllerManager(
    options: { featureGates?: { disableNodeTaskV1alpha2?: boolean } } = {},
  ): Promise<LocalProcess> {
    const n = this.controllerManagers.length;
    const id = n === 0 ? 'controllermanager' : `controllermanager-${n}`;
    const configFile = join(this.dir, `${id}.yaml`);
    const le = this.options.leaderElection;
    writeFileSync(
      configFile,
      stringify({
        apiVersion: 'controllermanager.config.kedge.io/v1alpha1',
        kind: 'ControllerManager',
        store: this.storeConfig('controllermanager', id),
        featureGates: {
          disableNodeTaskV1alpha2:
            options.featureGates?.disableNodeTaskV1alpha2 ??
            this.options.featureGates?.disableNodeTaskV1alpha2 ??
            false,
        },
        nodeTask: { timeoutCheckPeriod: 1 },
        nodeLifecycle: { gracePeriod: 20, monitorPeriod: 2 },
        ...(le ? { leaderElection: { enable: true, ...le } } : {}),
      }),
    );
    const cm = new LocalProcess(
      id,
      ['packages/controllermanager/src/main.ts', '--config', configFile],
      /"controllermanager started"/,
      this.options.env ?? {},
    );
    await cm.start();
    this.controllerManager = cm;
    this.controllerManagers.push(cm);
    return cm;
  }

  /** Resolves when every named node is a Ready Node in the store (20 s each by default). */
  async waitForReady(names: readonly string[], timeoutMs = 20_000): Promise<void> {
    for (const name of names) {
      await waitFor(
        async () => {
          const n = await this.store.get('Node', name);
          return n !== undefined && isNodeReady(n);
        },
        { what: `${name} Ready`, timeoutMs },
      );
    }
  }

  /** The CA files of certificates mode. */
  get caFiles(): { caFile: string; caKeyFile: string } {
    return { caFile: join(this.dir, 'ca', 'rootCA.crt'), caKeyFile: join(this.dir, 'ca', 'rootCA.key') };
  }

  private tlsConfig(httpsPort: number | undefined): Record<string, unknown> {
    const o = this.options;
    const off = { enable: false, caFile: '', caKeyFile: '', certFile: '', keyFile: '' };
    if (o.certificates) {
      return {
        tls: { ...off, enable: true, ...this.caFiles },
        https: { enable: true, address: '127.0.0.1', port: httpsPort },
        ...(o.edgeCertSigningDuration ? { edgeCertSigningDuration: o.edgeCertSigningDuration } : {}),
      };
    }
    return {
      tls: o.tls ? { ...off, enable: true, certFile: o.tls.certFile, keyFile: o.tls.keyFile } : off,
      https: { enable: false, address: '127.0.0.1', port: 0 },
    };
  }

  /** The token-mode credential of node `nodeName` (plain ws, the demo). */
  token(nodeName: string): string {
    return nodeToken(this.secret, nodeName);
  }

  /** A join token (`<ca-hash>.<jwt>`), as `keadm gettoken` prints it; certificates mode, after a replica started. */
  async joinToken(options: { node?: string; ttlSeconds?: number; nowMs?: number } = {}): Promise<string> {
    const caHash = caHashOfPem(readFileSync(this.caFiles.caFile, 'utf8'));
    return createJoinToken({ secret: this.secret, caHash, ...options });
  }

  async close(): Promise<void> {
    await Promise.all([
      ...this.replicas.map((r) => r.stop()),
      ...this.controllerManagers.map((c) => c.stop()),
    ]);
    if (!this.options.kubernetes) await this.store.close();
  }
}
