// An edge node on this machine: edgecore as a real process, either straight
// from the workspace sources, or installed into its own install root (a
// release, the launcher) and run under kedge's supervisor as systemd would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@kedge/testing';
import { stringify } from 'yaml';
import { installEdge } from './install-edge.ts';
import { LocalProcess } from './local-cloud.ts';

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
}

export class LocalEdge extends LocalProcess {
  readonly name: string;
  readonly configFile: string;
  readonly dbPath: string;
  readonly metaServerPort: number;
  readonly installRoot: string | undefined;

  private constructor(
    o: LocalEdgeOptions,
    args: string[],
    configFile: string,
    dbPath: string,
    metaServerPort: number,
    installRoot: string | undefined,
  ) {
    super(o.name, args, /"edgecore started"/, o.env ?? {});
    this.name = o.name;
    this.configFile = configFile;
    this.dbPath = dbPath;
    this.metaServerPort = metaServerPort;
    this.installRoot = installRoot;
  }

  static async create(dir: string, o: LocalEdgeOptions): Promise<LocalEdge> {
    const metaServerPort = await freePort();
    const nodeDir = join(dir, `edge-${o.name}`);
    mkdirSync(nodeDir, { recursive: true });
    const configFile = join(nodeDir, 'edgecore.yaml');
    const dbPath = join(nodeDir, 'edgecore.db');
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
            ...(o.containerRuntimeEndpoint
              ? { tailoredKubeletConfig: { containerRuntimeEndpoint: o.containerRuntimeEndpoint } }
              : {}),
          },
          metaManager: { metaServer: { server: `127.0.0.1:${metaServerPort}` } },
          taskManager: { enable: o.taskManager ?? false, healthTimeout: o.healthTimeout ?? 120 },
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
    return new LocalEdge(o, args, configFile, dbPath, metaServerPort, installRoot);
  }

  get metaServerUrl(): string {
    return `http://127.0.0.1:${this.metaServerPort}`;
  }
}
