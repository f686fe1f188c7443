// Test harness: an embedded-mode cloud (cloudcore processes on one SQLite
// file) and edgecore processes, each a real Node 24 process started from the
// workspace sources, with configs written to a temp dir.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeToken } from '@kedge/cloudcore';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { freePort, startProcess, type ManagedProcess } from '@kedge/testing';
import { stringify } from 'yaml';

export interface CloudOptions {
  dir: string;
  keepaliveTimeout?: number;
  nodeStatusUpdateFrequency?: number;
  maxMessageBytes?: number;
}

export class EmbeddedCloud {
  readonly dir: string;
  readonly storePath: string;
  readonly secret = 'e2e-secret-0123456789abcdef0123456789';
  readonly replicas: CloudCoreReplica[] = [];
  readonly store: ResourceStore;
  private readonly options: CloudOptions;

  constructor(options: CloudOptions) {
    this.options = options;
    this.dir = options.dir;
    this.storePath = join(options.dir, 'kedge.db');
    writeFileSync(join(this.dir, 'token-secret'), this.secret);
    this.store = openSqliteStore({ path: this.storePath });
  }

  /** Starts one more cloudcore replica on a free port. */
  async addReplica(): Promise<CloudCoreReplica> {
    const port = await freePort();
    const index = this.replicas.length;
    const configFile = join(this.dir, `cloudcore-${index}.yaml`);
    writeFileSync(
      configFile,
      stringify({
        apiVersion: 'cloudcore.config.kubeedge.io/v1alpha2',
        kind: 'CloudCore',
        store: { backend: 'sqlite', sqlite: { path: this.storePath } },
        modules: {
          cloudHub: {
            replicaId: `cloudcore-${index}`,
            keepaliveTimeout: this.options.keepaliveTimeout ?? 4,
            nodeStatusUpdateFrequency: this.options.nodeStatusUpdateFrequency ?? 2,
            maxMessageBytes: this.options.maxMessageBytes ?? 1048576,
            websocket: { address: '127.0.0.1', port },
            auth: { tokenSecretFile: join(this.dir, 'token-secret') },
          },
        },
      }),
    );
    const replica = new CloudCoreReplica(`cloudcore-${index}`, configFile, port);
    await replica.start();
    this.replicas.push(replica);
    return replica;
  }

  token(nodeName: string): string {
    return nodeToken(this.secret, nodeName);
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
    await this.store.close();
  }
}

export class CloudCoreReplica {
  readonly id: string;
  readonly configFile: string;
  readonly port: number;
  process: ManagedProcess | undefined;

  constructor(id: string, configFile: string, port: number) {
    this.id = id;
    this.configFile = configFile;
    this.port = port;
  }

  async start(): Promise<void> {
    this.process = startProcess({
      name: this.id,
      args: ['packages/cloudcore/src/main.ts', '--config', this.configFile],
    });
    await this.process.waitForLine(/"cloudcore started"/, 20_000);
  }

  async killHard(): Promise<void> {
    await this.process?.killHard();
    this.process = undefined;
  }

  async stop(): Promise<void> {
    await this.process?.kill();
    this.process = undefined;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}

export interface EdgeOptions {
  name: string;
  server: string;
  token: string;
  labels?: Record<string, string>;
  taskManager?: boolean;
}

export class EdgeNode {
  readonly name: string;
  readonly configFile: string;
  readonly dbPath: string;
  readonly metaServerPort: number;
  process: ManagedProcess | undefined;

  private constructor(name: string, configFile: string, dbPath: string, metaServerPort: number) {
    this.name = name;
    this.configFile = configFile;
    this.dbPath = dbPath;
    this.metaServerPort = metaServerPort;
  }

  static async create(dir: string, o: EdgeOptions): Promise<EdgeNode> {
    const metaServerPort = await freePort();
    const configFile = join(dir, `edgecore-${o.name}.yaml`);
    const dbPath = join(dir, `edgecore-${o.name}.db`);
    writeFileSync(
      configFile,
      stringify({
        apiVersion: 'edgecore.config.kubeedge.io/v1alpha2',
        kind: 'EdgeCore',
        database: { dataSource: dbPath },
        modules: {
          edgeHub: {
            heartbeat: 1,
            token: o.token,
            reconnect: { initialDelay: 0.2, maxDelay: 1 },
            websocket: { server: o.server },
          },
          edged: { hostnameOverride: o.name, nodeLabels: o.labels ?? {} },
          metaManager: { metaServer: { server: `127.0.0.1:${metaServerPort}` } },
          taskManager: { enable: o.taskManager ?? false },
        },
      }),
    );
    return new EdgeNode(o.name, configFile, dbPath, metaServerPort);
  }

  async start(): Promise<void> {
    this.process = startProcess({
      name: this.name,
      args: ['packages/edgecore/src/main.ts', '--config', this.configFile],
    });
    await this.process.waitForLine(/"edgecore started"/, 20_000);
  }

  async killHard(): Promise<void> {
    await this.process?.killHard();
    this.process = undefined;
  }

  async stop(): Promise<void> {
    await this.process?.kill();
    this.process = undefined;
  }

  get metaServerUrl(): string {
    return `http://127.0.0.1:${this.metaServerPort}`;
  }
}
