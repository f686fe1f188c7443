// The launcher under kedge's supervisor, with fake releases whose
// edgecore.mjs is a tiny script: upgrades that crash, hang or succeed, a
// config update that crashes, the install lock, and the real edgecore from
// this checkout.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  freePort,
  repoRoot,
  startProcess,
  tempDir,
  waitFor,
  type ManagedProcess,
  type TempDir,
  makeFakeRelease,
  type FakeBehaviour,
} from '@kedge/testing';
import { beginConfigUpdate, failedConfigFile } from '../install/config-update.ts';
import { runningEdgecorePid, signalEdgecore } from '../install/edgecore-pid.ts';
import { installLayout, type InstallLayout } from '../install/install-layout.ts';
import { acquireInstallLock } from '../install/install-lock.ts';
import { readConfigUpdateMarker, readUpgradeMarker } from '../install/markers.ts';
import { currentVersion } from '../install/release-dir.ts';
import { stageRelease } from '../install/stage-release.ts';
import { switchCurrent } from '../install/switch-current.ts';
import { beginUpgrade, commitUpgrade } from '../install/upgrade.ts';

let tmp: TempDir;
let layout: InstallLayout;
let configFile: string;
const procs: ManagedProcess[] = [];

beforeEach(async () => {
  tmp = await tempDir('kedge-launcher-');
  layout = installLayout(join(tmp.path, 'root'));
  configFile = join(tmp.path, 'edgecore.yaml');
  writeFileSync(configFile, 'good: true\n');
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
  await tmp.cleanup();
});

function install(version: string, behaviour: FakeBehaviour): void {
  stageRelease(layout, version, makeFakeRelease(join(tmp.path, 'src', behaviour), version, behaviour));
}

function launcherArgs(): string[] {
  return [
    join(repoRoot(), 'packages/installer/src/launcher/main.ts'),
    '--root',
    layout.root,
    '--config',
    configFile,
  ];
}

function supervised(): ManagedProcess {
  const p = startProcess({
    name: 'supervisor',
    args: [
      'packages/installer/src/supervisor/main.ts',
      '--restart-delay-ms',
      '50',
      '--max-delay-ms',
      '200',
      '--',
      ...launcherArgs(),
    ],
  });
  procs.push(p);
  return p;
}

const count = (p: ManagedProcess, re: RegExp): number =>
  p
    .stdout()
    .split('\n')
    .filter((l) => re.test(l)).length;
const running = (v: string) =>
  new RegExp(`"msg":"fake edgecore running","version":"${v.replace(/\./g, '\\.')}"`);

async function waitForCount(p: ManagedProcess, re: RegExp, n: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(() => count(p, re) >= n, { timeoutMs, what: `${n} lines matching ${String(re)}` });
}

/** What the task manager does for Upgrade: switch, then have edgecore restart. */
function upgradeTo(to: string, deadlineInMs: number): void {
  beginUpgrade(layout, {
    from: 'v1.0.0',
    to,
    job: 'up1',
    node: 'edge-1',
    jobUid: 'uid-1',
    deadlineMs: Date.now() + deadlineInMs,
  });
  expect(signalEdgecore(layout)).toBeTypeOf('number');
}

describe('launcher under the supervisor', () => {
  it('rolls back a version that crashes at start after 3 starts, and says why', async () => {
    install('v1.0.0', 'run');
    install('v2.0.0', 'crash');
    switchCurrent(layout, 'v1.0.0');
    const sup = supervised();
    await waitForCount(sup, running('v1.0.0'), 1);
    await waitFor(() => runningEdgecorePid(layout), { what: 'the pid file' });
    upgradeTo('v2.0.0', 60_000);
    await waitForCount(sup, running('v1.0.0'), 2, 30_000);
    expect(count(sup, /fake edgecore crashing/)).toBe(3);
    expect(readUpgradeMarker(layout)).toMatchObject({
      phase: 'rolledBack',
      attempts: 4,
      reason: 'v2.0.0 exited 3 times',
    });
    expect(currentVersion(layout)).toBe('v1.0.0');
    expect(sup.stdout()).toMatch(/"msg":"rolled back to v1\.0\.0"/);

    await sup.kill();
    expect(await sup.exited).toEqual({ code: 0, signal: null });
    expect(sup.stdout()).toMatch(/fake edgecore stopping/);
  });

  it('stops a version that never commits at its deadline; the next start rolls back', async () => {
    install('v1.0.0', 'run');
    install('v2.0.0', 'run');
    switchCurrent(layout, 'v1.0.0');
    const sup = supervised();
    await waitForCount(sup, running('v1.0.0'), 1);
    await waitFor(() => runningEdgecorePid(layout), { what: 'the pid file' });
    upgradeTo('v2.0.0', 4000);
    await waitForCount(sup, running('v2.0.0'), 1);
    await sup.waitForLine(/trial not committed by its deadline/, 15_000);
    await waitForCount(sup, running('v1.0.0'), 2);
    expect(readUpgradeMarker(layout)?.reason).toMatch(
      /^v2\.0\.0 did not come up healthy and connected within 4s$/,
    );
    expect(count(sup, running('v2.0.0'))).toBe(1);
  });

  it('keeps a version that commits before its deadline', async () => {
    install('v1.0.0', 'run');
    install('v2.0.0', 'run');
    switchCurrent(layout, 'v1.0.0');
    const sup = supervised();
    await waitForCount(sup, running('v1.0.0'), 1);
    await waitFor(() => runningEdgecorePid(layout), { what: 'the pid file' });
    upgradeTo('v2.0.0', 4000);
    await waitForCount(sup, running('v2.0.0'), 1);
    expect(commitUpgrade(layout, { runningVersion: 'v2.0.0' }).outcome).toBe('committed');
    await sup.waitForLine(/trial committed before its deadline/, 10_000);
    expect(count(sup, /trial not committed/)).toBe(0);
    expect(readUpgradeMarker(layout)?.phase).toBe('committed');
    expect(count(sup, running('v1.0.0'))).toBe(1);
  });

  it('puts the previous edgecore.yaml back when edgecore keeps failing with the new one', async () => {
    install('v1.0.0', 'config-sensitive');
    switchCurrent(layout, 'v1.0.0');
    const sup = supervised();
    await waitForCount(sup, running('v1.0.0'), 1);
    await waitFor(() => runningEdgecorePid(layout), { what: 'the pid file' });
    beginConfigUpdate(layout, {
      configFile,
      text: 'crash: true\n',
      job: 'cu1',
      node: 'edge-1',
      jobUid: 'uid-c',
      deadlineMs: Date.now() + 60_000,
    });
    signalEdgecore(layout);
    await waitForCount(sup, running('v1.0.0'), 2, 30_000);
    expect(count(sup, /fake edgecore bad config/)).toBe(3);
    expect(readConfigUpdateMarker(layout)).toMatchObject({
      phase: 'rolledBack',
      reason: 'edgecore exited 3 times with the new edgecore.yaml',
    });
    expect(readFileSync(configFile, 'utf8')).toBe('good: true\n');
    expect(readFileSync(failedConfigFile(configFile), 'utf8')).toBe('crash: true\n');
  });
});

describe('launcher', () => {
  it('waits while another install operation holds the lock', async () => {
    install('v1.0.0', 'run');
    switchCurrent(layout, 'v1.0.0');
    const lock = acquireInstallLock(layout, { command: 'keadm edge rollback' });
    const launcher = startProcess({ name: 'launcher', args: launcherArgs() });
    procs.push(launcher);
    expect(await launcher.waitForLine(/waiting for another install operation to finish/)).toContain(
      '"command":"keadm edge rollback"',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(count(launcher, running('v1.0.0'))).toBe(0);
    lock.release();
    await launcher.waitForLine(running('v1.0.0'));
    await launcher.kill();
    expect((await launcher.exited).code).toBe(0);
  });

  it('exits 1 naming the problem when nothing is installed', async () => {
    const launcher = startProcess({ name: 'launcher', args: launcherArgs() });
    expect((await launcher.exited).code).toBe(1);
    expect(launcher.stdout()).toMatch(/nothing is installed under .*root \(run keadm edge install\)/);
  });

  it('runs the real edgecore from a source checkout; SIGTERM to its pid file restarts it cleanly', async () => {
    stageRelease(layout, 'v0.1.0', repoRoot(), { mode: 'link' });
    switchCurrent(layout, 'v0.1.0');
    const metaPort = await freePort();
    const cloudPort = await freePort(); // nothing listens: edgecore keeps reconnecting
    writeFileSync(
      configFile,
      [
        'database:',
        `  dataSource: ${join(tmp.path, 'edgecore.db')}`,
        'modules:',
        '  edgeHub:',
        '    token: test-token',
        `    websocket: { server: '127.0.0.1:${cloudPort}' }`,
        '  edged: { hostnameOverride: edge-src }',
        `  metaManager: { metaServer: { server: '127.0.0.1:${metaPort}' } }`,
        '',
      ].join('\n'),
    );
    const launcher = startProcess({ name: 'launcher', args: launcherArgs(), cwd: tmp.path });
    procs.push(launcher);
    await launcher.waitForLine(/edgecore started/, 20_000);
    const pid = await waitFor(() => runningEdgecorePid(layout), { what: 'the pid file' });
    expect(signalEdgecore(layout)).toBe(pid);
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(layout.pidFile)).toBe(false);
    expect(launcher.stdout()).toMatch(
      /"msg":"starting edgecore".*"version":"v0\.1\.0"|"version":"v0\.1\.0".*"msg":"starting edgecore"/,
    );
  });
});
