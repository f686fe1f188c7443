// Leader election on both store backends, with real stores: two or three
// electors on their own connections compete for one Lease. A leader whose
// store stops answering gives its controllers up before a standby may take
// the Lease; a leader that stops cleanly releases it and a standby takes
// over at once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, systemClock, type Clock } from '@kedge/runtime';
import { openKubernetesStore, openSqliteStore, type ResourceStore } from '@kedge/store';
import { startKubeApiServer, tempDir, waitFor, type TempDir, type TestKubeApiServer } from '@kedge/testing';
import { LeaderElector } from './leader-elector.ts';

const log = createLogger({ name: 'le-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
const NS = 'kubeedge';
const LEASE = 'kedge-controllermanager';

interface Candidate {
  readonly name: string;
  readonly elector: LeaderElector;
  /** Clock times at which its work started and stopped. */
  readonly starts: number[];
  readonly stops: number[];
  stop(): Promise<void>;
}

function candidate(
  name: string,
  store: ResourceStore,
  clock: Clock,
  timing: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number },
): Candidate {
  const elector = new LeaderElector({
    store,
    namespace: NS,
    name: LEASE,
    identity: name,
    clock,
    log,
    ...timing,
  });
  const starts: number[] = [];
  const stops: number[] = [];
  const abort = new AbortController();
  const done = elector.run(abort.signal, async (signal) => {
    starts.push(clock.now());
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    stops.push(clock.now());
  });
  return {
    name,
    elector,
    starts,
    stops,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

describe('leader election on the SQLite store (fake clock)', () => {
  const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 };
  let dir: TempDir;
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const stores: ResourceStore[] = [];
  const open = (): ResourceStore => {
    const s = openSqliteStore({ path: join(dir.path, 'kedge.db') });
    stores.push(s);
    return s;
  };
  /** Advances the fake clock in small steps, so store I/O between sleeps completes in order. */
  const advance = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= 100) await clock.advance(Math.min(100, left));
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-le-');
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await dir.cleanup();
  });

  it('elects one leader, hands over after a crash without overlap, and at once after a clean stop', async () => {
    const a = candidate('a', open(), clock, timing);
    await advance(100);
    const b = candidate('b', open(), clock, timing);
    await advance(20_000);
    expect(a.elector.isLeader).toBe(true);
    expect(b.elector.isLeader).toBe(false);
    expect(b.elector.leader).toBe('a');
    expect(b.starts).toEqual([]);
    const watcher = open();
    const held = await watcher.get('Lease', LEASE, NS);
    expect(held?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(held?.spec?.renewTime).toMatch(/^2030-01-01T00:00:\d{2}\.\d{6}Z$/);

    // a's store stops answering (as if its process hung or lost the network).
    const crashAt = clock.now();
    await stores[0]?.close();
    await advance(30_000);
    expect(a.elector.isLeader).toBe(false);
    expect(b.elector.isLeader).toBe(true);
    const aStopped = a.stops[0] ?? Infinity;
    const bStarted = b.starts[0] ?? -Infinity;
    // a gives up within renewDeadline of its last renewal (at most a retryPeriod before the crash) ...
    expect(aStopped - crashAt).toBeLessThanOrEqual(timing.renewDeadlineMs + timing.retryPeriodMs);
    // ... b waits out the lease from when it last saw it change, so never before a stopped.
    expect(bStarted).toBeGreaterThan(aStopped);
    expect(bStarted - crashAt).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs * 1.2);
    await a.stop();

    // A clean stop releases the Lease: c takes it at its next retry, not after 15 s.
    const c = candidate('c', open(), clock, timing);
    await advance(5000);
    expect(c.elector.isLeader).toBe(false);
    const stoppedAt = clock.now();
    const stopping = b.stop();
    await advance(100);
    await stopping;
    await advance(3000);
    expect(c.elector.isLeader).toBe(true);
    expect((c.starts[0] ?? Infinity) - stoppedAt).toBeLessThanOrEqual(timing.retryPeriodMs * 1.2 + 200);
    expect((await watcher.get('Lease', LEASE, NS))?.spec).toMatchObject({
      holderIdentity: 'c',
      leaseTransitions: 2,
    });
    const stoppingC = c.stop();
    await advance(100);
    await stoppingC;
    expect((await watcher.get('Lease', LEASE, NS))?.spec?.holderIdentity).toBe('');
  });
});

describe('leader election on a real kube-apiserver', () => {
  const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 250 };
  let kube: TestKubeApiServer;
  const stores: ResourceStore[] = [];
  const open = async (): Promise<ResourceStore> => {
    const s = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.kubectl(['create', 'namespace', NS]);
  }, 120_000);
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await kube?.stop();
  });

  it('hands over after a crash without overlap and at once after a clean stop', async () => {
    const a = candidate('a', await open(), systemClock, timing);
    await waitFor(() => a.elector.isLeader, { what: 'a leads' });
    const b = candidate('b', await open(), systemClock, timing);
    await waitFor(() => b.elector.leader === 'a', { what: 'b sees a as leader' });
    const lease = JSON.parse(
      (await kube.kubectl(['-n', NS, 'get', 'lease', LEASE, '-o', 'json'])).stdout,
    ) as {
      spec: Record<string, unknown>;
    };
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect(lease.spec['renewTime']).toMatch(/\.\d{6}Z$/);

    const crashAt = Date.now();
    await stores[0]?.close();
    await waitFor(() => b.elector.isLeader, { what: 'b leads', timeoutMs: 15_000 });
    const aStopped = a.stops[0] ?? Infinity;
    expect(b.starts[0]).toBeGreaterThan(aStopped);
    expect((b.starts[0] ?? 0) - crashAt).toBeGreaterThanOrEqual(
      timing.leaseDurationMs - 2 * timing.retryPeriodMs,
    );
    await a.stop();

    const c = candidate('c', await open(), systemClock, timing);
    await waitFor(() => c.elector.leader === 'b', { what: 'c sees b as leader' });
    const stoppedAt = Date.now();
    await b.stop();
    await waitFor(() => c.elector.isLeader, { what: 'c leads', timeoutMs: 5000 });
    expect((c.starts[0] ?? Infinity) - stoppedAt).toBeLessThan(timing.leaseDurationMs);
    const after = await kube.kubectl([
      '-n',
      NS,
      'get',
      'lease',
      LEASE,
      '-o',
      'jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}',
    ]);
    expect(after.stdout).toBe('c 2');
    await c.stop();
  });
});
