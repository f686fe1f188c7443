// An edge node on this machine: edgecore as a real process, either straight
// from the workspace sources, or installed into its own install root (a
// release, the launcher) and run under kedge's supervisor as systemd would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { freePort, type TestContainerd } from '@kedge/testing';
import { stringify } from 'yaml';
import { installEdge } from './install-edge.ts';
import { LocalProcess } from './local-cloud.ts';
import {
  CNI_BIN_DIR,
  preloadImage,
  startNodeContainerd,
  stopNodeContainerd,
} from './pods/node-containerd.ts';

/** Run pods: a containerd of the node's own inside its network namespace, and edged enabled. */
export interface LocalEdgePods {
  /** /run/netns/<name> of the node's namespace (created and removed by the caller). */
  netnsPath: string;
  /** modules.edged.podCIDR, e.g. 10.244.1.0/24. */
  podCIDR: string;
  /** The sandbox (pause) image; load it with preloadImage before start(). */
  sandboxImage: string;
  /**
   * Run the service proxy, its rules in the node's namespace (modules.serviceProxy), and its
   * DNS responder on port 53 there; pods then use `clusterDNS` (an address of the node's namespace).
   */
  serviceProxy?: { clusterDNS: string };
}

export interface LocalEdgeOptions {
  name: string;
  /** cloudcore address, host:port. */
  server: string;
  /** More cloudcore addresses to fail over to (modules.edgeHub.websocket.servers). */
  servers?: string[];
  token: string;
  labels?: Record<string, string>;
  taskManager?: boolean;
  /** Install this release (directory or image) into `<dir>/edge-<name>/root` and run it under the supervisor. */
  release?: string;
  /** modules.taskManager.healthTimeout, seconds. */
  healthTimeout?: number;
  heartbeat?: number;
  /** CA that signs the cloud's certificate (the edge then dials wss://). */
  tlsCaFile?: string;
  /** Certificates mode: join at this bootstrap server (modules.edgeHub.httpServer) with `token`. */
  httpServer?: string;
  /** modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint (e.g. a test containerd's unix:// socket). */
  containerRuntimeEndpoint?: string;
  env?: Record<string, string>;
  pods?: LocalEdgePods;
}

export class LocalEdge extends LocalProcess {
  readonly name: string;
  readonly configFile: string;
  readonly dbPath: string;
  readonly metaServerPort: number;
  readonly installRoot: string | undefined;
  /** The node's containerd, when it runs pods. */
  readonly containerd: TestContainerd | undefined;
  #closed = false;

  private constructor(
    o: LocalEdgeOptions,
    args: string[],
    configFile: string,
    dbPath: string,
    metaServerPort: number,
    installRoot: string | undefined,
    containerd: TestContainerd | undefined,
  ) {
    super(o.name, args, /"edgecore started"/, o.env ?? {});
    this.name = o.name;
    this.configFile = configFile;
    this.dbPath = dbPath;
    this.metaServerPort = metaServerPort;
    this.installRoot = installRoot;
    this.containerd = containerd;
  }

  static async create(dir: string, o: LocalEdgeOptions): Promise<LocalEdge> {
    const metaServerPort = await freePort();
    const nodeDir = join(dir, `edge-${o.name}`);
    mkdirSync(nodeDir, { recursive: true });
    const configFile = join(nodeDir, 'edgecore.yaml');
    const dbPath = join(nodeDir, 'edgecore.db');
    const runtime = o.pods
      ? await startNodeContainerd({ netnsPath: o.pods.netnsPath, nodeDir, sandboxImage: o.pods.sandboxImage })
      : undefined;
    const endpoint = runtime?.containerd.endpoint ?? o.containerRuntimeEndpoint;
    writeFileSync(
      configFile,
      stringify({
        apiVersion: 'edgecore.config.kubeedge.io/v1alpha2',
        kind: 'EdgeCore',
        database: { dataSource: dbPath },
        modules: {
          edgeHub: {
            heartbeat: o.heartbeat ?? 1,
            token: o.token,
            ...(o.httpServer
              ? {
                  httpServer: o.httpServer,
                  tlsCaFile: join(nodeDir, 'ca', 'rootCA.crt'),
                  tlsCertFile: join(nodeDir, 'certs', 'server.crt'),
                  tlsPrivateKeyFile: join(nodeDir, 'certs', 'server.key'),
                }
              : { httpServer: '', tlsCaFile: o.tlsCaFile ?? '', tlsCertFile: '', tlsPrivateKeyFile: '' }),
            reconnect: { initialDelay: 0.2, maxDelay: 1 },
            websocket: { server: o.server, servers: o.servers ?? [] },
          },
          edged: {
            hostnameOverride: o.name,
            nodeLabels: o.labels ?? {},
            ...(endpoint
              ? {
                  tailoredKubeletConfig: {
                    containerRuntimeEndpoint: endpoint,
                    ...(o.pods?.serviceProxy ? { clusterDNS: [o.pods.serviceProxy.clusterDNS] } : {}),
                  },
                }
              : {}),
            ...(o.pods && runtime
              ? {
                  enable: true,
                  podCIDR: o.pods.podCIDR,
                  rootDirectory: join(nodeDir, 'edged'),
                  secretsDirectory: join(nodeDir, 'secrets'),
                  podLogsRoot: join(nodeDir, 'pod-logs'),
                  cniBinDir: CNI_BIN_DIR,
                  cniConfDir: runtime.cniConfDir,
                }
              : {}),
          },
          metaManager: { metaServer: { server: `127.0.0.1:${metaServerPort}` } },
          taskManager: { enable: o.taskManager ?? false, healthTimeout: o.healthTimeout ?? 120 },
          ...(o.pods?.serviceProxy
            ? {
                serviceProxy: {
                  enable: true,
                  netnsPath: o.pods.netnsPath,
                  dns: { enable: true, listen: `${o.pods.serviceProxy.clusterDNS}:53` },
                },
              }
            : {}),
        },
      }),
    );
    const installRoot = o.release ? join(nodeDir, 'root') : undefined;
    if (installRoot && o.release) await installEdge(installRoot, o.release, configFile);
    const args = installRoot
      ? [
          'packages/installer/src/supervisor/main.ts',
          '--restart-delay-ms',
          '200',
          '--',
          join(installRoot, 'launcher', 'launcher.mjs'),
          '--root',
          installRoot,
          '--config',
          configFile,
        ]
      : ['packages/edgecore/src/main.ts', '--config', configFile];
    return new LocalEdge(o, args, configFile, dbPath, metaServerPort, installRoot, runtime?.containerd);
  }

  /** Loads `ref` (from a plain-http registry on the host) into the node's containerd. */
  async preloadImage(ref: string): Promise<void> {
    if (!this.containerd) {
      throw new KedgeError('KEDGE_INTERNAL', `${this.name} runs no pods (create it with the pods option)`);
    }
    await preloadImage(this.containerd, ref);
  }

  /** Stops edgecore, then every container of the node and its containerd (the pods' namespaces go too). */
  async close(): Promise<void> {
    await this.stop();
    if (this.containerd && !this.#closed) await stopNodeContainerd(this.containerd);
    this.#closed = true;
  }

  get metaServerUrl(): string {
    return `http://127.0.0.1:${this.metaServerPort}`;
  }
}
