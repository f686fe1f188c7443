// edgecore under real systemd: a Debian rootfs (debootstrap, cached by
// scripts/build-systemd-rootfs.sh) booted with systemd-nspawn, systemd as
// PID 1. Inside it `keadm join` installs configs/systemd/edgecore.service
// and starts it; systemd runs the launcher, which runs edgecore. The cloud
// (cloudcore in certificates mode, controllermanager, a registry with
// releases built from this workspace) runs on the host; the machine shares
// the host's network, so 127.0.0.1 is the same on both sides.
// Node.js and the workspace are bound in read-only (/opt/node, the repo path).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import type { ResourceOf } from '@kedge/api';
import { LocalCloud, LocalReleases, type CloudCoreReplica, type PublishedRelease } from '@kedge/localup';
import { freePort, repoRoot, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NspawnMachine } from './nspawn-machine.ts';

type UpgradeJob = ResourceOf<'NodeUpgradeJob'>;
const NODE = 'edge-systemd-1';
const NODE_INSIDE = '/opt/node/bin/node';
/** The unit's cgroup.procs inside the machine: in the name=systemd tree (hybrid host) or the v2 one. */
const EDGECORE_PROCS =
  'cg=$(systemctl show --property=ControlGroup --value edgecore.service); ' +
  'f=/sys/fs/cgroup/systemd$cg/cgroup.procs; [ -f "$f" ] || f=/sys/fs/cgroup$cg/cgroup.procs';

describe('edgecore under systemd (systemd-nspawn, systemd as PID 1)', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let releases: LocalReleases;
  let base: PublishedRelease;
  let target: PublishedRelease;
  let machine: NspawnMachine;
  let metaServerPort: number;

  beforeAll(async () => {
    // Cold: debootstrap (about 3 minutes here); warm: the cached rootfs at once.
    const rootfs = (
      await promisify(execFile)(join(repoRoot(), 'scripts/build-systemd-rootfs.sh'), [], { timeout: 900_000 })
    ).stdout.trim();
    dir = await tempDir('kedge-systemd-');
    cloud = new LocalCloud({ dir: dir.path, certificates: true, keepaliveTimeout: 6 });
    cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    releases = await LocalReleases.start(dir.path);
    base = await releases.publish('v1.0.0');
    target = await releases.publish('v1.1.0');
    metaServerPort = await freePort();
    machine = await NspawnMachine.boot({
      rootfs,
      name: `kedge-${process.pid}`,
      readOnly: [{ host: repoRoot() }, { host: dirname(dirname(process.execPath)), dest: '/opt/node' }],
    });
  }, 1_000_000);

  afterAll(async () => {
    await machine?.stop();
    await cloud?.close();
    await releases?.stop();
    await dir?.cleanup();
  }, 120_000);

  /** `systemctl show edgecore` properties. */
  async function unit(): Promise<Record<string, string>> {
    const props = ['ActiveState', 'SubState', 'MainPID', 'NRestarts', 'ExecMainStatus'];
    const { stdout } = await machine.exec([
      'systemctl',
      'show',
      'edgecore.service',
      ...props.map((p) => `--property=${p}`),
    ]);
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
  }

  /** The unit's processes (pids as the machine sees them) and their command lines. */
  async function unitProcesses(): Promise<{ pid: number; cmdline: string }[]> {
    const { stdout } = await machine.exec([
      'sh',
      '-c',
      `${EDGECORE_PROCS}; for p in $(cat "$f"); do echo "$p $(tr '\\0' ' ' < /proc/$p/cmdline)"; done`,
    ]);
    return stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [pid, ...rest] = l.split(' ');
        return { pid: Number(pid), cmdline: rest.join(' ').trim() };
      });
  }

  /** The launcher (the unit's main process) and the edgecore it runs, once both are up. */
  async function running(version: string): Promise<{ launcher: number; edgecore: number; restarts: number }> {
    return waitFor(
      async () => {
        const u = await unit();
        if (u.ActiveState !== 'active' || u.SubState !== 'running') return undefined;
        const procs = await unitProcesses();
        const launcher = procs.find((p) => p.pid === Number(u.MainPID));
        const edgecore = procs.find((p) => p.cmdline.includes(`/versions/${version}/edgecore.mjs`));
        if (!launcher?.cmdline.includes('/usr/local/lib/kedge/launcher/launcher.mjs') || !edgecore)
          return undefined;
        return { launcher: launcher.pid, edgecore: edgecore.pid, restarts: Number(u.NRestarts) };
      },
      { what: `edgecore ${version} running under systemd`, timeoutMs: 90_000, intervalMs: 500 },
    );
  }

  async function runningVersion(): Promise<string | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${metaServerPort}/healthz`);
      return ((await res.json()) as { version: string }).version;
    } catch {
      return undefined;
    }
  }

  async function upgrade(name: string, version: string): Promise<UpgradeJob> {
    await cloud.store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name },
      spec: { nodeNames: [NODE], version, image: releases.image },
    } as UpgradeJob);
    return waitFor(
      async () => {
        const j = await cloud.store.get('NodeUpgradeJob', name);
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: `job ${name} finished`, timeoutMs: 150_000, intervalMs: 500 },
    );
  }

  const actions = (job: UpgradeJob): string[] =>
    (job.status?.nodeStatus?.[0]?.actionFlow ?? []).map((a) => `${a.action}=${a.status}`);

  it('runs systemd as PID 1 in the machine', async () => {
    const { stdout } = await machine.exec([
      'sh',
      '-c',
      'cat /proc/1/comm; systemctl is-system-running || true',
    ]);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'systemd',
      expect.stringMatching(/^(running|degraded)$/),
    ]);
  });

  it('keadm join installs the unit and starts it; systemd runs edgecore through the launcher; the node goes Ready', async () => {
    const token = await cloud.joinToken({ node: NODE });
    const { stdout } = await machine.exec(
      [
        NODE_INSIDE,
        join(repoRoot(), 'packages/keadm/src/bin/keadm.ts'),
        'join',
        '--cloudcore-ipport',
        cloudcore.address,
        '--certport',
        String(cloudcore.httpsPort),
        '--token',
        token,
        '--node-name',
        NODE,
        '--release',
        base.ref,
        '--set',
        `modules.taskManager.enable=true,modules.taskManager.healthTimeout=60,modules.edgeHub.heartbeat=1,modules.metaManager.metaServer.server=127.0.0.1:${metaServerPort}`,
      ],
      { timeoutMs: 120_000 },
    );
    expect(stdout).toContain('wrote /etc/systemd/system/edgecore.service');
    expect(stdout).toContain('ran systemctl daemon-reload');
    expect(stdout).toContain('ran systemctl enable --now edgecore.service');
    expect(machine.readFile('/etc/systemd/system/edgecore.service')).toContain(
      `ExecStart=${NODE_INSIDE} /usr/local/lib/kedge/launcher/launcher.mjs --root /usr/local/lib/kedge --config /etc/kedge/edgecore.yaml`,
    );
    const enabled = await machine.exec(['systemctl', 'is-enabled', 'edgecore.service']);
    expect(enabled.stdout.trim()).toBe('enabled');

    await running('v1.0.0');
    await cloud.waitForReady([NODE], 90_000);
    expect(await runningVersion()).toBe('v1.0.0');
  }, 240_000);

  it('kill -9 of edgecore: the launcher exits with 137 and systemd (Restart=always) starts the unit again', async () => {
    const before = await running('v1.0.0');
    await machine.exec(['sh', '-c', `kill -9 ${before.edgecore}`]);
    const after = await waitFor(
      async () => {
        const r = await running('v1.0.0');
        return r.restarts > before.restarts ? r : undefined;
      },
      { what: 'edgecore restarted by systemd', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.launcher).not.toBe(before.launcher); // a new launcher: systemd restarted the unit
    expect(after.edgecore).not.toBe(before.edgecore);
    const journal = await machine.exec(['journalctl', '--unit=edgecore.service', '--no-pager']);
    expect(journal.stdout).toMatch(
      /"signal":"SIGKILL".*"edgecore exited"|"edgecore exited".*"signal":"SIGKILL"/,
    );
    expect(journal.stdout).toContain('edgecore.service: Main process exited, code=exited, status=137/n/a');
    await waitFor(async () => (await runningVersion()) === 'v1.0.0', { what: 'metaServer back' });
    await cloud.waitForReady([NODE], 60_000);
  }, 120_000);

  it('kill -9 of the launcher: systemd kills the orphaned edgecore and restarts the unit', async () => {
    const before = await running('v1.0.0');
    await machine.exec(['sh', '-c', `kill -9 ${before.launcher}`]);
    const after = await waitFor(
      async () => {
        const r = await running('v1.0.0');
        return r.restarts > before.restarts ? r : undefined;
      },
      { what: 'the unit restarted after its main process was killed', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(after.edgecore).not.toBe(before.edgecore);
    const journal = await machine.exec(['journalctl', '--unit=edgecore.service', '--no-pager']);
    expect(journal.stdout).toContain('edgecore.service: Main process exited, code=killed, status=9/KILL');
    const edgecores = (await unitProcesses()).filter((p) => p.cmdline.includes('edgecore.mjs'));
    expect(edgecores.map((p) => p.pid)).toEqual([after.edgecore]); // exactly one edgecore
    await cloud.waitForReady([NODE], 60_000);
  }, 120_000);

  it('a NodeUpgradeJob upgrades it and the new version runs under systemd', async () => {
    const before = await running('v1.0.0');
    const job = await upgrade('systemd-upgrade', target.version);
    expect(job.status?.phase).toBe('Completed');
    expect(actions(job)).toEqual(['Check=True', 'WaitingConfirmation=True', 'Backup=True', 'Upgrade=True']);
    const after = await running('v1.1.0');
    expect(after.restarts).toBeGreaterThan(before.restarts); // edgecore exited 0; systemd started the launcher again
    expect(await runningVersion()).toBe('v1.1.0');
    const current = await machine.exec(['readlink', '/usr/local/lib/kedge/current']);
    expect(current.stdout.trim()).toBe('versions/v1.1.0');
  }, 240_000);

  it('a release that crash-loops is rolled back under systemd', async () => {
    const broken = await releases.publish('v1.2.0', (releaseDir) => {
      writeFileSync(
        join(releaseDir, 'edgecore.mjs'),
        "console.error('this release crashes on start');\nprocess.exit(3);\n",
      );
    });
    const job = await upgrade('systemd-crash-loop', broken.version);
    expect(job.status?.phase).toBe('Failure');
    expect(actions(job)).toEqual([
      'Check=True',
      'WaitingConfirmation=True',
      'Backup=True',
      'Upgrade=False',
      'Rollback=True',
    ]);
    expect(job.status?.nodeStatus?.[0]?.reason).toMatch(/rolled back to v1\.1\.0/);
    await running('v1.1.0');
    expect(await runningVersion()).toBe('v1.1.0');
  }, 240_000);

  it('journalctl -u edgecore shows the launcher and edgecore logs of every start', async () => {
    const { stdout } = await machine.exec([
      'journalctl',
      '--unit=edgecore.service',
      '--no-pager',
      '--output=cat',
    ]);
    expect(stdout).toMatch(
      /"starting edgecore".*"version":"v1\.0\.0"|"version":"v1\.0\.0".*"starting edgecore"/,
    );
    expect(stdout).toContain('"edgecore started"');
    expect(stdout).toContain('this release crashes on start');
    expect(stdout).toMatch(/rolled back to v1\.1\.0/);
    const withSystemd = await machine.exec(['journalctl', '--unit=edgecore.service', '--no-pager']);
    expect(withSystemd.stdout).toMatch(/systemd\[1\]: edgecore\.service: Scheduled restart job/);
    // SyslogIdentifier=edgecore: the launcher's and edgecore's lines carry the unit's name, not node's
    expect(withSystemd.stdout).toMatch(/ edgecore\[\d+\]: \{.*"msg":"edgecore started"/);
    expect(withSystemd.stdout).not.toMatch(/ node\[\d+\]: /);
  });
});
