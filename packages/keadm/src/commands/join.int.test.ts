// keadm join into a temp root: the edgecore.yaml edgecore will load, the
// systemd unit (checked with systemd-analyze verify where it exists), the
// release installed, and no systemctl run outside the real root.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadEdgeCoreConfig } from '@kedge/edgecore';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keadm, makeRelease } from '../../test/test-fixtures.ts';

const run = promisify(execFile);

async function systemdAnalyze(): Promise<string | undefined> {
  try {
    await run('systemd-analyze', ['--version']);
    return undefined;
  } catch (err: unknown) {
    return `systemd-analyze is not available (${(err as Error).message.split('\n')[0]})`;
  }
}

/** The layout of a join token (keadm gettoken): <sha256 of the CA>.<JWT>. */
const JOIN_TOKEN = `${'ab'.repeat(32)}.eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln`;

describe('keadm join', () => {
  let tmp: TempDir;
  let root: string;

  beforeEach(async () => {
    tmp = await tempDir('kedge-join-');
    root = join(tmp.path, 'root');
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  const join1 = (extra: string[] = []) =>
    keadm([
      'join',
      '--cloudcore-ipport',
      '192.0.2.10:10000,192.0.2.11:10000',
      '--token',
      JOIN_TOKEN,
      '--node-name',
      'edge-7',
      '--labels',
      'site=north,rack=r2',
      '--root',
      root,
      ...extra,
    ]);

  it('writes edgecore.yaml and the unit under --root, installs the release, prints the systemctl commands', async () => {
    const release = makeRelease(tmp.path, 'v1.4.0');
    const r = await join1([
      '--release',
      release,
      '--install-root',
      '/opt/kedge',
      '--node-binary',
      process.execPath,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const configFile = join(root, 'etc/kedge/edgecore.yaml');
    const text = readFileSync(configFile, 'utf8');
    expect(statSync(configFile).mode & 0o777).toBe(0o600); // it holds the token
    expect(text).toMatch(/# join token/); // edgecore's reference comments are kept
    const config = loadEdgeCoreConfig({ file: configFile, text, env: {} });
    expect(config.modules.edgeHub.token).toBe(JOIN_TOKEN);
    // certificates mode by default: the bootstrap server on the first cloudcore's host, KubeEdge's port
    expect(config.modules.edgeHub.httpServer).toBe('https://192.0.2.10:10002');
    expect(config.modules.edgeHub.tlsCertFile).toBe('/etc/kedge/certs/server.crt');
    expect(config.modules.edgeHub.websocket.server).toBe('192.0.2.10:10000');
    expect(config.modules.edgeHub.websocket.servers).toEqual(['192.0.2.11:10000']);
    expect(config.modules.edged.hostnameOverride).toBe('edge-7');
    expect(config.modules.edged.nodeLabels).toEqual({ site: 'north', rack: 'r2' });

    const unitFile = join(root, 'etc/systemd/system/edgecore.service');
    const unit = readFileSync(unitFile, 'utf8');
    expect(unit).toContain(
      `ExecStart=${process.execPath} /opt/kedge/launcher/launcher.mjs --root /opt/kedge --config /etc/kedge/edgecore.yaml`,
    );
    expect(unit).toContain('Restart=always');

    // the release, installed where the unit looks for it (under --root)
    expect(readlinkSync(join(root, 'opt/kedge/current'))).toBe('versions/v1.4.0');
    expect(existsSync(join(root, 'opt/kedge/launcher/launcher.mjs'))).toBe(true);

    expect(r.stdout).toContain(
      `wrote ${configFile} (node edge-7, cloudcore 192.0.2.10:10000, 192.0.2.11:10000)`,
    );
    expect(r.stdout).toContain(`not starting edgecore (--root is ${root}); on the node run:`);
    expect(r.stdout).toContain('  systemctl daemon-reload\n  systemctl enable --now edgecore.service\n');
    // edge install's "start it with: node .../launcher.mjs" would be wrong here: systemd runs the launcher
    expect(r.stdout).not.toContain('start it with');
  });

  it('the written unit passes systemd-analyze verify', async () => {
    // scripts/test installs systemd-analyze: a missing tool fails, never skips
    const missing = await systemdAnalyze();
    if (missing) throw new Error(`systemd-analyze verify cannot run: ${missing}`);
    expect((await join1(['--node-binary', process.execPath])).code).toBe(0);
    const unitFile = join(root, 'etc/systemd/system/edgecore.service');
    const { stderr } = await run('systemd-analyze', ['verify', unitFile]);
    expect(stderr).not.toContain('edgecore.service');

    // and verify does catch what would break the unit: a node binary that is not there
    writeFileSync(unitFile, readFileSync(unitFile, 'utf8').replace(process.execPath, '/nonexistent/node'));
    await expect(run('systemd-analyze', ['verify', unitFile])).rejects.toThrow(/nonexistent\/node/);
  });

  it('without --release it says how to install edgecore', async () => {
    const r = await join1();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `no edgecore is installed in ${join(root, 'usr/local/lib/kedge')} yet: keadm edge install --release`,
    );
    const unit = readFileSync(join(root, 'etc/systemd/system/edgecore.service'), 'utf8');
    expect(unit).toContain('/usr/local/lib/kedge/launcher/launcher.mjs --root /usr/local/lib/kedge');
  });

  it('refuses to join twice unless --force, which keeps the old config as .previous', async () => {
    expect((await join1()).code).toBe(0);
    const configFile = join(root, 'etc/kedge/edgecore.yaml');
    const before = readFileSync(configFile, 'utf8');

    const again = await join1();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`error: ${configFile} exists: this machine has joined already (--force`);
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    const forced = await keadm([
      'join',
      '--cloudcore-ipport',
      '192.0.2.20:10000',
      '--token',
      'other-token',
      '--plain',
      '--node-name',
      'edge-7',
      '--root',
      root,
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(readFileSync(`${configFile}.previous`, 'utf8')).toBe(before);
    expect(readFileSync(configFile, 'utf8')).toContain('server: 192.0.2.20:10000');
    expect(readFileSync(configFile, 'utf8')).toContain("httpServer: ''"); // --plain: token mode
  });

  it('--set writes more edgecore.yaml fields, keeping the comments; a bad one is refused', async () => {
    const r = await join1([
      '--set',
      'modules.taskManager.enable=true,modules.taskManager.healthTimeout=60',
      '--set',
      'modules.metaManager.metaServer.server=127.0.0.1:20550',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const configFile = join(root, 'etc/kedge/edgecore.yaml');
    const text = readFileSync(configFile, 'utf8');
    expect(text).toMatch(/# join token/);
    const config = loadEdgeCoreConfig({ file: configFile, text, env: {} });
    expect(config.modules.taskManager.enable).toBe(true);
    expect(config.modules.taskManager.healthTimeout).toBe(60);
    expect(config.modules.metaManager.metaServer.server).toBe('127.0.0.1:20550');
    expect(config.modules.edgeHub.token).toBe(JOIN_TOKEN);

    const bad = await keadm([
      'join',
      '--cloudcore-ipport',
      '192.0.2.10:10000',
      '--token',
      JOIN_TOKEN,
      '--node-name',
      'edge-8',
      '--root',
      join(tmp.path, 'other'),
      '--set',
      'modules.taskManager.healthTimeout=soon',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--set: ');
    expect(bad.stderr).toContain('modules.taskManager.healthTimeout');
    expect(existsSync(join(tmp.path, 'other'))).toBe(false);
  });

  it('bad flags are errors naming the flag, and nothing is written', async () => {
    const cases: [string[], string][] = [
      [
        ['--cloudcore-ipport', 'cloud-without-port', '--token', 't', '--plain', '--node-name', 'n1'],
        '--cloudcore-ipport',
      ],
      [
        ['--cloudcore-ipport', '192.0.2.1:10000', '--token', 't', '--plain', '--node-name', 'Edge_1'],
        '--node-name: must be a lower-case RFC 1123 name, got "Edge_1"',
      ],
      [['--cloudcore-ipport', '192.0.2.1:10000', '--node-name', 'n1'], '--token: required'],
      [['--token', 't', '--plain', '--node-name', 'n1'], '--cloudcore-ipport: required'],
      [
        ['--cloudcore-ipport', '192.0.2.1:10000', '--token', 'node-token', '--node-name', 'n1'],
        '--token: not a join token <ca-hash>.<jwt>',
      ],
      [
        [
          '--cloudcore-ipport',
          '192.0.2.1:10000',
          '--token',
          't',
          '--plain',
          '--node-name',
          'n1',
          '--labels',
          'nokey',
        ],
        '--labels: "nokey" is not key=value',
      ],
      [
        [
          '--cloudcore-ipport',
          '192.0.2.1:10000',
          '--token',
          't',
          '--plain',
          '--node-name',
          'n1',
          '--install-root',
          'rel/path',
        ],
        '--install-root: "rel/path" is not an absolute path',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await keadm(['join', ...args, '--root', root]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
    expect(existsSync(root)).toBe(false);
  });
});
