// The task manager end to end inside one process: real bus, SQLite, outbox,
// metaServer, install root and registry; the cloud is a stand-in EdgeHub.
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  freePort,
  startRegistry,
  tempDir,
  waitFor as poll,
  type TempDir,
  type TestRegistry,
} from '@kedge/testing';
import { pushReleaseSignature } from '@kedge/oci';
import { readUpgradeMarker, resolveBootState, sha256File } from '@kedge/installer';
import { TaskStates, type ActionRegistry } from './index.ts';
import {
  NEW,
  NODE,
  OLD,
  makeInstall,
  pushTestRelease,
  startTaskHarness,
  upgradeSpec,
  type TaskHarness,
  type TestInstall,
} from '../../test/task-harness.ts';

const KEY = `nodeupgradejob/up1/${NODE}`;

let registry: TestRegistry;
let image: string;
let digest: string;
const pin = (): { amd64: string; arm64: string } => ({ amd64: digest, arm64: digest });
let shared: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  shared = await tempDir('kedge-tm-shared-');
  ({ image, digest } = await pushTestRelease(registry.url, shared.path, NEW));
});

afterAll(async () => {
  await registry?.stop();
  await shared?.cleanup();
});

describe('TaskManager (NodeUpgradeJob)', () => {
  let dir: TempDir;
  let install: TestInstall;
  let dbFile: string;
  const harnesses: TaskHarness[] = [];

  const start = async (o: Partial<Parameters<typeof startTaskHarness>[0]> = {}): Promise<TaskHarness> => {
    const h = await startTaskHarness({
      dbFile,
      ...o,
      env: { installRoot: install.layout.root, configFile: install.configFile, ...o.env },
    });
    harnesses.push(h);
    return h;
  };
  const stop = async (h: TaskHarness): Promise<void> => {
    harnesses.splice(harnesses.indexOf(h), 1);
    await h.stop();
  };
  const summary = (h: TaskHarness): string[] =>
    h.reports().map((r) => `${r.action} ${r.succ}${r.reason ? `: ${r.reason}` : ''}`);

  beforeEach(async () => {
    dir = await tempDir('kedge-tm-');
    install = makeInstall(dir.path);
    dbFile = join(dir.path, 'var', 'edgecore.db');
  });

  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.stop();
    await dir.cleanup();
  });

  it('runs Check, WaitingConfirmation, Backup, switches to the new version and asks for a restart; the new version reports Upgrade once connected', async () => {
    const old = await start();
    await old.sendTask(
      'up1',
      'uid-1',
      upgradeSpec({ image, imageDigestGatter: { amd64: digest, arm64: digest } }),
    );
    await old.waitForReports(3);
    await waitForRestart(old);
    expect(summary(old)).toEqual(['Check true', 'WaitingConfirmation true', 'Backup true']);
    const [check] = old.reports();
    expect(check).toMatchObject({
      jobUid: 'uid-1',
      reason: '',
      extend: '',
      resource: `operations.kubeedge.io/v1alpha2/nodeupgradejob/up1/node/${NODE}`,
    });
    expect(check?.finishTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(old.reports()[2]?.extend).toBe(`,${OLD}`);
    expect(old.restarts).toEqual([`upgrade ${OLD} -> ${NEW} (job up1)`]);
    expect(readlinkSync(install.layout.current)).toBe(`versions/${NEW}`);
    expect(readUpgradeMarker(install.layout)).toMatchObject({
      phase: 'switching',
      from: OLD,
      to: NEW,
      jobUid: 'uid-1',
    });
    expect(existsSync(join(install.layout.backupDir, OLD, 'edgecore.db'))).toBe(true);
    expect(old.taskManager.task(KEY)).toMatchObject({ state: TaskStates.running, currentAction: 'Upgrade' });
    await stop(old);

    // The launcher starts the new version: it resumes Upgrade and reports it only once connected.
    resolveBootState(install.layout);
    const fresh = await start({ env: { version: NEW } });
    await sleep(300);
    expect(fresh.reports()).toEqual([]);
    await fresh.setConnected(true);
    const [upgrade] = await fresh.waitForReports(1, 'Upgrade report');
    expect(upgrade).toMatchObject({
      action: 'Upgrade',
      succ: true,
      reason: '',
      extend: `${OLD},${NEW}`,
      jobUid: 'uid-1',
    });
    expect(readUpgradeMarker(install.layout)?.phase).toBe('committed');
    await waitForState(fresh, TaskStates.done);
  });

  it('waits for requireConfirmation until keadm ctl confirm posts to metaServer', async () => {
    const h = await start();
    const none = await h.post('/api/v1/taskupgrade/confirm-upgrade');
    expect(none.status).toBe(404);
    expect(JSON.stringify(none.body)).toContain(
      `no node upgrade is waiting for confirmation on node ${NODE}`,
    );

    await h.sendTask(
      'up1',
      'uid-1',
      upgradeSpec({ image, imageDigestGatter: pin(), requireConfirmation: true }),
    );
    await waitForState(h, TaskStates.waiting);
    await sleep(200);
    expect(summary(h)).toEqual(['Check true']);
    expect(h.restarts).toEqual([]);

    const confirmed = await h.post('/api/v1/taskupgrade/confirm-upgrade', {});
    expect(confirmed).toEqual({ status: 200, body: { status: 'confirmed', tasks: [KEY] } });
    await h.waitForReports(3);
    await waitForRestart(h);
    expect(summary(h)).toEqual(['Check true', 'WaitingConfirmation true', 'Backup true']);
  });

  it('keeps waiting for confirmation across a restart and continues on a cloud Confirm', async () => {
    const first = await start();
    await first.sendTask(
      'up1',
      'uid-1',
      upgradeSpec({ image, imageDigestGatter: pin(), requireConfirmation: true }),
    );
    await waitForState(first, TaskStates.waiting);
    await stop(first);

    const second = await start();
    await second.cloudConfirm('up1', 'other-uid'); // a confirmation for another incarnation is ignored
    await sleep(200);
    expect(second.taskManager.task(KEY)?.state).toBe(TaskStates.waiting);
    await second.cloudConfirm('up1', 'uid-1');
    await second.waitForReports(2);
    await waitForRestart(second);
    expect(summary(second)).toEqual(['WaitingConfirmation true', 'Backup true']);
  });

  it('fails WaitingConfirmation when nobody confirms within timeoutSeconds', async () => {
    const h = await start();
    await h.sendTask(
      'up1',
      'uid-1',
      upgradeSpec({ image, imageDigestGatter: pin(), requireConfirmation: true, timeoutSeconds: 1 }),
    );
    await h.waitForReports(2);
    expect(summary(h)[1]).toMatch(
      /^WaitingConfirmation false: not confirmed within 1s \(waiting since .*Z\)$/,
    );
    await waitForState(h, TaskStates.done);
  });

  it('does not re-run a task the cloud sends again; it re-reports the recorded results', async () => {
    const h = await start();
    const spec = upgradeSpec({ image, imageDigestGatter: pin(), requireConfirmation: true });
    await h.sendTask('up1', 'uid-1', spec);
    await waitForState(h, TaskStates.waiting);
    const [check] = h.reports();

    await h.sendTask('up1', 'uid-1', spec); // after a reconnect the cloud re-sends every InProgress task
    await waitFor(() => h.reports().length === 2);
    await sleep(200);
    expect(h.reports().map((r) => r.msgId)).toEqual([check?.msgId, check?.msgId]);
    expect(countResults(h, 'Check')).toBe(1);
    expect(h.taskManager.task(KEY)?.state).toBe(TaskStates.waiting);

    // A recreated job (new uid) with the same name is a new task.
    await h.sendTask('up1', 'uid-2', spec);
    await waitFor(() => h.reports().length === 3);
    expect(h.reports()[2]).toMatchObject({ action: 'Check', succ: true, jobUid: 'uid-2' });
  });

  it('resumes a task whose Backup was interrupted and reports Backup exactly once', async () => {
    let backupStarted = false;
    const stuckInBackup = (real: ActionRegistry): ActionRegistry => ({
      ...real,
      nodeupgradejob: {
        ...real.nodeupgradejob,
        Backup: {
          run: (ctx) =>
            new Promise((_resolve, reject) => {
              backupStarted = true;
              ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
            }),
        },
      },
    });
    const first = await start({ actions: stuckInBackup, ack: false });
    await first.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin() }));
    await waitFor(() => backupStarted);
    expect(first.taskManager.task(KEY)).toMatchObject({ state: TaskStates.running, currentAction: 'Backup' });
    await stop(first); // the process dies in the middle of Backup

    const second = await start({ ack: false });
    await waitForRestart(second);
    expect(countResults(second, 'Backup')).toBe(1);
    const queued = second.outbox.pending(100).map((m) => (m.content as { action: string }).action);
    expect(queued).toEqual(['Check', 'WaitingConfirmation', 'Backup']);
    expect(summary(second)).toEqual(['Backup true']);
  });

  it('fails Check with the reason when the node already runs the version', async () => {
    const h = await start();
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin(), version: OLD }));
    await h.waitForReports(1);
    expect(summary(h)).toEqual([`Check false: already running ${OLD}`]);
    await waitForState(h, TaskStates.done);
  });

  it('fails Check when edgecore does not run from an install root', async () => {
    const h = await start({ env: { installRoot: undefined } });
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin() }));
    await h.waitForReports(1);
    expect(summary(h)).toEqual([
      'Check false: edgecore is not running from an install root; install it with keadm edge install',
    ]);
  });

  it('fails Check naming an unreachable release, a digest mismatch, an over-limit load item and an unpinned release', async () => {
    const h = await start({ env: { limits: { mem: 0 } } });
    const closed = `127.0.0.1:${await freePort()}/kedge/installation-package`;
    const zero = `sha256:${'0'.repeat(64)}`;
    // One at a time: an upgrade still in Check keeps another from starting.
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image: closed }));
    await h.waitForReports(1);
    await h.sendTask('up2', 'uid-2', upgradeSpec({ image, imageDigestGatter: { amd64: zero, arm64: zero } }));
    await h.waitForReports(2);
    await h.sendTask('up3', 'uid-3', upgradeSpec({ image, imageDigestGatter: pin(), checkItems: ['mem'] }));
    await h.waitForReports(3);
    await h.sendTask('up4', 'uid-4', upgradeSpec({ image }));
    await h.waitForReports(4);
    const byJob = new Map(h.reports().map((r) => [r.resource.split('/')[3], r]));
    expect(byJob.get('up1')?.reason).toMatch(new RegExp(`^release ${closed}:${NEW} is not reachable: `));
    expect(byJob.get('up2')?.reason).toBe(
      `release ${image}:${NEW} digest mismatch: spec.imageDigestGatter.${archName()} is sha256:${'0'.repeat(64)}, the registry has ${digest}`,
    );
    expect(byJob.get('up3')?.reason).toMatch(/^memory is \d+\.\d% used, over the 0% limit$/);
    expect(byJob.get('up4')?.reason).toMatch(/^KEDGE_RELEASE_UNPINNED: the job carries no release digest/);
  });

  it('reports an invalid spec or an unusable runtime as a failed Check and ignores a task for another node', async () => {
    const socket = join(dir.path, 'no-runtime.sock');
    const h = await start({ env: { containerRuntimeEndpoint: `unix://${socket}` } });
    await h.sendTask('up9', 'uid-9', upgradeSpec({ image, imageDigestGatter: pin() }), { node: 'edge-2' });
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin(), version: 'latest' }));
    await h.waitForReports(1);
    await h.sendTask(
      'pp1',
      'uid-p',
      { imagePrePullTemplate: { images: ['x/y:1'] } },
      { type: 'imageprepulljob' },
    );
    await h.waitForReports(2);
    await h.sendTask('up2', 'uid-2', upgradeSpec({ image, imageDigestGatter: pin() }), {
      content: { spec: upgradeSpec() },
    });
    await h.waitForReports(3);
    await sleep(200);
    expect(h.reports()).toHaveLength(3);
    expect(h.reports()[0]?.reason).toContain(
      'invalid nodeupgradejob spec: spec.version: must look like v1.21.0',
    );
    expect(h.reports()[1]).toMatchObject({
      resource: `operations.kubeedge.io/v1alpha2/imageprepulljob/pp1/node/${NODE}`,
      action: 'Check',
      succ: false,
      reason: `container runtime at unix://${socket} is not reachable: connect ENOENT ${socket}`,
    });
    expect(h.reports()[2]).toMatchObject({
      action: 'Check',
      succ: false,
      reason: 'task request: jobUid: Invalid input: expected string, received undefined',
    });
  });

  it('reports Upgrade false and Rollback true when the release cannot be pulled after Check passed', async () => {
    const own = await startRegistry();
    const pushed = await pushTestRelease(own.url, dir.path, NEW);
    const h = await start();
    await h.sendTask(
      'up1',
      'uid-1',
      upgradeSpec({
        image: pushed.image,
        imageDigestGatter: { amd64: pushed.digest, arm64: pushed.digest },
        requireConfirmation: true,
      }),
    );
    await waitForState(h, TaskStates.waiting);
    await own.stop();
    await h.post('/api/v1/taskupgrade/confirm-upgrade');
    await h.waitForReports(5);
    const s = summary(h);
    expect(s.slice(0, 3)).toEqual(['Check true', 'WaitingConfirmation true', 'Backup true']);
    expect(s[3]).toMatch(/^Upgrade false: /);
    expect(h.reports()[4]).toMatchObject({ action: 'Rollback', succ: true, extend: `${NEW},${OLD}` });
    expect(h.restarts).toEqual([]);
    expect(readlinkSync(install.layout.current)).toBe(`versions/${OLD}`);
  });

  it('with a release public key, refuses a release without a valid signature of its pinned digest', async () => {
    const key = generateKeyPairSync('ed25519');
    const h = await start({ env: { releasePublicKey: key.publicKey } });
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin() }));
    await h.waitForReports(1);
    expect(h.reports()[0]?.reason).toMatch(
      new RegExp(`^KEDGE_RELEASE_SIGNATURE_INVALID: release ${digest}: no signature could be read`),
    );
    const forger = generateKeyPairSync('ed25519');
    await pushReleaseSignature(image, digest, sign(null, Buffer.from(digest), forger.privateKey));
    await h.sendTask('up2', 'uid-2', upgradeSpec({ image, imageDigestGatter: pin() }));
    await h.waitForReports(2);
    expect(h.reports()[1]?.reason).toMatch(/the signature does not verify with the configured public key/);
    await pushReleaseSignature(image, digest, sign(null, Buffer.from(digest), key.privateKey));
    await h.sendTask(
      'up3',
      'uid-3',
      upgradeSpec({ image, imageDigestGatter: pin(), requireConfirmation: true }),
    );
    await waitForState(h, TaskStates.waiting, `nodeupgradejob/up3/${NODE}`);
    expect(h.reports()[2]).toMatchObject({ action: 'Check', succ: true });
  });

  it('refuses a release over the configured unpack limits in Upgrade, naming the limit, and rolls back', async () => {
    const h = await start({ env: { unpackLimits: { maxBytes: 64, maxFiles: 10_000 } } });
    await h.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin() }));
    await h.waitForReports(5);
    const s = summary(h);
    expect(s.slice(0, 3)).toEqual(['Check true', 'WaitingConfirmation true', 'Backup true']);
    expect(s[3]).toMatch(/^Upgrade false: .*unpacks to more than 64 bytes unpacked \(limit maxBytes/);
    expect(h.reports()[4]).toMatchObject({ action: 'Rollback', succ: true });
    expect(readlinkSync(install.layout.current)).toBe(`versions/${OLD}`);
    expect(existsSync(join(install.layout.root, 'versions', NEW))).toBe(false);
  });

  it('reports Upgrade false with the launcher reason and Rollback true after the launcher rolled back', async () => {
    const old = await start();
    await old.sendTask('up1', 'uid-1', upgradeSpec({ image, imageDigestGatter: pin() }));
    await waitForRestart(old);
    await stop(old);
    // The new version never got connected: the launcher's next boot, past the deadline, rolls back.
    resolveBootState(install.layout);
    resolveBootState(install.layout, { now: Date.now() + 121_000 });
    expect(readlinkSync(install.layout.current)).toBe(`versions/${OLD}`);

    const back = await start();
    await back.waitForReports(2);
    expect(back.reports()).toMatchObject([
      { action: 'Upgrade', succ: false, reason: `${NEW} did not come up healthy and connected within 120s` },
      { action: 'Rollback', succ: true, reason: '', extend: `${NEW},${OLD}` },
    ]);
    await waitForState(back, TaskStates.done);
  });

  describe('ConfigUpdateJob', () => {
    const CONFIG = [
      'apiVersion: edgecore.config.kubeedge.io/v1alpha2',
      'kind: EdgeCore',
      'modules:',
      '  edged:',
      `    hostnameOverride: ${NODE}`,
      '  edgeHub:',
      '    token: t0ken',
      '',
    ].join('\n');

    it('writes the new config, restarts, and the restarted edgecore reports ConfigUpdate once connected', async () => {
      install = makeInstall(dir.path + '/cu', CONFIG);
      const first = await start();
      const spec = { nodeNames: [NODE], updateFields: { 'modules.edgeStream.enable': 'true' } };
      await first.sendTask('cu1', 'uid-c', spec, { type: 'configupdatejob' });
      await first.waitForReports(2);
      await waitForRestart(first);
      expect(summary(first)).toEqual(['Check true', 'Backup true']);
      const written = readFileSync(install.configFile, 'utf8');
      expect(written).toMatch(/edgeStream:\s+enable: true/);
      await stop(first);

      resolveBootState(install.layout);
      const second = await start({ env: { loadedConfigSha256: sha256File(install.configFile) } });
      await second.setConnected(true);
      await second.waitForReports(1);
      expect(summary(second)).toEqual(['ConfigUpdate true']);
    });

    it('fails Check naming a field that does not exist', async () => {
      install = makeInstall(dir.path + '/cu', CONFIG);
      const h = await start();
      await h.sendTask(
        'cu1',
        'uid-c',
        { nodeNames: [NODE], updateFields: { 'modules.nope.enable': 'true' } },
        { type: 'configupdatejob' },
      );
      await h.waitForReports(1);
      expect(summary(h)).toEqual([
        'Check false: invalid configupdatejob spec: spec.updateFields["modules.nope.enable"]: unknown field modules.nope',
      ]);
    });
  });

  async function waitForRestart(h: TaskHarness): Promise<void> {
    await waitFor(() => h.restarts.length > 0, { timeoutMs: 20_000, what: 'a restart request' });
  }

  async function waitForState(h: TaskHarness, state: string, key = KEY): Promise<void> {
    await waitFor(() => h.taskManager.task(key)?.state === state, {
      timeoutMs: 20_000,
      what: `task ${key} ${state}`,
    });
  }
});

function countResults(h: TaskHarness, action: string): number {
  return (
    h.edb.db.prepare('SELECT count(*) AS n FROM node_task_result WHERE action = ?').get(action) as {
      n: number;
    }
  ).n;
}

function archName(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, o: { timeoutMs?: number; what?: string } = {}): Promise<void> {
  await poll(() => cond() || undefined, { timeoutMs: o.timeoutMs ?? 20_000, what: o.what ?? 'condition' });
}
