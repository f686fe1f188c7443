// CloudCore's lifecycle: its parts start in order and stop in exactly the
// reverse order; a part that fails to start leaves nothing of the others
// running (no listening port, no watch, no timer, no mode record); stop() is
// idempotent. A real SQLite store and real sockets on loopback; the FakeClock
// is shared with the store, so every open watch and every loop shows up as a
// pending sleep on it.
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { NODE_TASK_MODE_CONFIGMAP, type ConfigMap } from '@kedge/api';
import { createLogger, FakeClock, type Logger } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudCore } from './cloud-core.ts';
import { issueServerCert, newCloudCa } from './cloudhub/certs/cloud-ca.ts';

const DAY = 24 * 3600 * 1000;

/** A logger that keeps every line it writes. */
function recordingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: createLogger({ name: 'cloudcore-lifecycle-test', level: 'info', destination }), lines };
}

const servicesLogged = (lines: Array<Record<string, unknown>>, msg: string): unknown[] =>
  lines.filter((l) => l['msg'] === msg).map((l) => l['service']);

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('CloudCore lifecycle', () => {
  let dir: TempDir;
  let clock: FakeClock;
  let store: ResourceStore;
  let blocker: Server | undefined;
  /** Every CloudCore a test made: stopped before the store closes, whatever the test saw. */
  const cores: CloudCore[] = [];

  beforeEach(async () => {
    dir = await tempDir('kedge-cloudcore-lifecycle-');
    clock = new FakeClock();
    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), clock, eventTtlMs: 0 });
  });

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = undefined;
    await store.close();
    await dir.cleanup();
  });

  async function newCloudCore(log: Logger, hubPort = 0): Promise<CloudCore> {
    const ca = await newCloudCa();
    const serverCert = await issueServerCert(ca, { ips: ['127.0.0.1'], dnsNames: ['localhost'] });
    const core = new CloudCore({
      store,
      log,
      clock,
      replicaId: 'r0',
      hub: {
        host: '127.0.0.1',
        port: hubPort,
        tokenSecret: 'lifecycle-test-secret-0123456789abcdef',
        nodeLimit: 10,
        keepaliveTimeoutMs: 30_000,
        maxMessageBytes: 1 << 20,
      },
      heartbeatWriteIntervalMs: 60_000,
      certificates: { ca, serverCert, https: { host: '127.0.0.1', port: 0 }, edgeCertValidityMs: DAY },
    });
    cores.push(core);
    return core;
  }

  const modeRecord = async (): Promise<Record<string, string> | undefined> =>
    (
      (await store.get('ConfigMap', NODE_TASK_MODE_CONFIGMAP.name, NODE_TASK_MODE_CONFIGMAP.namespace)) as
        ConfigMap | undefined
    )?.data;

  it('starts its parts in order and stops them in exactly the reverse order', async () => {
    const { log, lines } = recordingLogger();
    const core = await newCloudCore(log);
    const port = await core.start();
    const started = servicesLogged(lines, 'service started');
    expect(started).toEqual([
      'node task mode record',
      'node task manager',
      'edge controller',
      'node credentials',
      'cloudhub',
      'heartbeat writes',
    ]);
    expect(await refused(port)).toBe(false);
    expect(await modeRecord()).toHaveProperty(['cloudcore.r0']);

    await core.stop();
    expect(servicesLogged(lines, 'service stopped')).toEqual([...started].reverse());
    expect(await refused(port)).toBe(true);
    expect(await modeRecord()).not.toHaveProperty(['cloudcore.r0']);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('a part that fails to start (tunnel port taken) leaves nothing running: no port, watch, timer or mode record', async () => {
    blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)),
    );
    const { log } = recordingLogger();
    const core = await newCloudCore(log, taken);

    await expect(core.start()).rejects.toThrow(/EADDRINUSE/);

    // the certificate server had started before CloudHub failed: it is closed again
    expect(core.credentials.httpsPort).toBeGreaterThan(0);
    expect(await refused(core.credentials.httpsPort!)).toBe(true);
    // no informer watch, liveness or heartbeat loop is left polling on the clock
    expect(clock.pendingSleeps()).toBe(0);
    // and this replica does not claim a node task mode it never ran with
    expect(await modeRecord()).not.toHaveProperty(['cloudcore.r0']);
    await core.stop(); // nothing left to stop: a no-op
  });

  it('stop() before start() and a second stop() are no-ops', async () => {
    const { log } = recordingLogger();
    const core = await newCloudCore(log);
    await core.stop();
    const port = await core.start();
    await Promise.all([core.stop(), core.stop()]);
    await core.stop();
    expect(await refused(port)).toBe(true);
    expect(clock.pendingSleeps()).toBe(0);
  });
});
