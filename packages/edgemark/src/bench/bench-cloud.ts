// The two servers the benchmark compares, each a child process so its memory
// and CPU can be read alone: a kedge embedded cloud (one cloudcore on a fresh
// SQLite store) and the bare `ws` baseline server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { issueServerCert, loadOrCreateCloudCa } from '@kedge/cloudcore';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { startProcess, type ManagedProcess } from '@kedge/testing';
import { stringify } from 'yaml';

export interface BenchServer {
  readonly proc: ManagedProcess;
  readonly address: string;
  stop(): Promise<void>;
}

export interface KedgeCloud extends BenchServer {
  readonly store: ResourceStore;
  readonly secretFile: string;
}

export interface KedgeCloudOptions {
  dir: string;
  nodeLimit: number;
  keepaliveTimeoutS: number;
  nodeStatusUpdateFrequencyS: number;
  /** Extra node options before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Certificates mode (the shipped default): wss:// with client certificates from this CA. */
  tls?: { caFile: string; caKeyFile: string };
}

/** A CA in dir/ca (as cloudcore would create it) and a server certificate for 127.0.0.1 (the bare wss server). */
export async function benchCa(
  dir: string,
): Promise<{ caFile: string; caKeyFile: string; certFile: string; keyFile: string }> {
  const files = {
    caFile: join(dir, 'ca', 'rootCA.crt'),
    caKeyFile: join(dir, 'ca', 'rootCA.key'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
  };
  const { ca } = await loadOrCreateCloudCa(files.caFile, files.caKeyFile);
  const server = await issueServerCert(ca, { ips: ['127.0.0.1'], dnsNames: ['localhost'] });
  writeFileSync(files.certFile, server.cert);
  writeFileSync(files.keyFile, server.key, { mode: 0o600 });
  return files;
}

export const BENCH_SECRET = 'edgemark-bench-secret-0123456789abcdef';

export async function startKedgeCloud(o: KedgeCloudOptions): Promise<KedgeCloud> {
  const secretFile = join(o.dir, 'token-secret');
  const storePath = join(o.dir, 'kedge.db');
  const configFile = join(o.dir, 'cloudcore.yaml');
  writeFileSync(secretFile, BENCH_SECRET + '\n', { mode: 0o600 });
  writeFileSync(
    configFile,
    stringify({
      apiVersion: 'cloudcore.config.kubeedge.io/v1alpha2',
      kind: 'CloudCore',
      store: { backend: 'sqlite', sqlite: { path: storePath } },
      modules: {
        cloudHub: {
          replicaId: 'cloudcore-bench',
          nodeLimit: o.nodeLimit,
          keepaliveTimeout: o.keepaliveTimeoutS,
          nodeStatusUpdateFrequency: o.nodeStatusUpdateFrequencyS,
          websocket: { address: '127.0.0.1', port: 0 },
          auth: { tokenSecretFile: secretFile },
          tls: o.tls
            ? { enable: true, caFile: o.tls.caFile, caKeyFile: o.tls.caKeyFile, certFile: '', keyFile: '' }
            : { enable: false, caFile: '', caKeyFile: '', certFile: '', keyFile: '' },
          https: { enable: false, address: '127.0.0.1', port: 0 },
        },
      },
    }),
  );
  // Opened first, as the embedded mode's other processes do: the schema exists before cloudcore starts.
  const store = openSqliteStore({ path: storePath });
  const proc = startProcess({
    name: 'cloudcore',
    args: [...(o.nodeArgs ?? []), 'packages/cloudcore/src/main.ts', '--config', configFile],
  });
  try {
    const line = await proc.waitForLine(/"cloudcore started"/, 30_000);
    const port = (JSON.parse(line) as { port?: unknown }).port;
    if (typeof port !== 'number')
      throw new KedgeError('KEDGE_INTERNAL', `cloudcore start line has no port: ${line}`);
    return {
      proc,
      store,
      secretFile,
      address: `127.0.0.1:${port}`,
      stop: async () => {
        await proc.kill();
        await store.close();
      },
    };
  } catch (err: unknown) {
    await proc.killHard();
    await store.close();
    throw err;
  }
}

export interface ControllerManagerOptions {
  dir: string;
  /** nodeLifecycle.gracePeriod / monitorPeriod, seconds. */
  gracePeriodS: number;
  monitorPeriodS: number;
  /** nodeTask.timeoutCheckPeriod, seconds. */
  timeoutCheckPeriodS: number;
  nodeArgs?: string[];
}

/** controllermanager on the store of a cloud started by startKedgeCloud (same dir). */
export async function startControllerManager(o: ControllerManagerOptions): Promise<BenchServer> {
  const configFile = join(o.dir, 'controllermanager.yaml');
  writeFileSync(
    configFile,
    stringify({
      apiVersion: 'controllermanager.config.kedge.io/v1alpha1',
      kind: 'ControllerManager',
      store: { backend: 'sqlite', sqlite: { path: join(o.dir, 'kedge.db') } },
      nodeLifecycle: { gracePeriod: o.gracePeriodS, monitorPeriod: o.monitorPeriodS },
      // hollow nodes install nothing: no release to pin (and no registry to resolve it at)
      nodeTask: { timeoutCheckPeriod: o.timeoutCheckPeriodS, pinReleaseDigest: false },
      health: { address: '127.0.0.1', port: 0 },
    }),
  );
  const proc = startProcess({
    name: 'controllermanager',
    args: [...(o.nodeArgs ?? []), 'packages/controllermanager/src/main.ts', '--config', configFile],
  });
  try {
    await proc.waitForLine(/"controllermanager started"/, 30_000);
    return { proc, address: '', stop: () => proc.kill() };
  } catch (err: unknown) {
    await proc.killHard();
    throw err;
  }
}

export async function startBareServer(
  dir: string,
  tls?: { certFile: string; keyFile: string; caFile: string },
): Promise<BenchServer & { secretFile: string }> {
  // The fleet CLI always derives tokens; the bare server ignores them.
  const secretFile = join(dir, 'token-secret');
  writeFileSync(secretFile, BENCH_SECRET + '\n', { mode: 0o600 });
  const proc = startProcess({
    name: tls ? 'bare-wss' : 'bare-ws',
    args: [
      'packages/edgemark/src/bench/bare-server.ts',
      ...(tls ? ['--tls', tls.certFile, tls.keyFile, tls.caFile] : []),
    ],
  });
  try {
    const line = await proc.waitForLine(/"event":"listening"/, 30_000);
    const { port } = JSON.parse(line) as { port: number };
    return { proc, secretFile, address: `127.0.0.1:${port}`, stop: () => proc.kill() };
  } catch (err: unknown) {
    await proc.killHard();
    throw err;
  }
}
