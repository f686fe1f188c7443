// keadm join: makes this machine an edge node. Writes /etc/kedge/edgecore.yaml
// (edgecore's defaults plus node name, token and cloudcore address), installs
// the systemd unit, optionally installs a release (keadm edge install), and
// says which systemctl commands start it. Everything goes under --root (a
// temp root in tests, an image being built); paths inside the files are the
// ones the running system sees. systemctl runs only for --root / on a
// machine booted with systemd.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KedgeError, errorMessage } from '@kedge/api';
import { DEFAULT_INSTALL_ROOT, writeFileDurable } from '@kedge/installer';
import { EDGECORE_UNIT_NAME, renderEdgecoreUnit } from '../join/edgecore-unit.ts';
import { renderJoinConfig } from '../join/join-config.ts';
import { runEdgeInstall } from './edge-install.ts';
import { DEFAULT_EDGECORE_CONFIG } from './edge-target.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';
import { parseSetFlag } from './set-flag.ts';

const UNIT_DIR = '/etc/systemd/system';

const JOIN_USAGE = `usage: keadm join --cloudcore-ipport HOST:PORT --token T [--node-name N] [--labels K=V,...]
                  [--root DIR] [--install-root DIR] [--release DIR|IMAGE [--insecure]]
                  [--set KEY=VALUE,...] [--node-binary PATH] [--force] [--skip-start]
Makes this machine an edge node: writes ${DEFAULT_EDGECORE_CONFIG} and
${UNIT_DIR}/${EDGECORE_UNIT_NAME}, installs a release when given, and starts
edgecore with systemctl (or, under a --root other than /, prints the commands).
  --cloudcore-ipport A[,B]  cloudcore address(es): host:port or ws:// / wss:// URL
  --token T                 the join token <ca-hash>.<jwt> (keadm gettoken on the cloud)
  --certport PORT           cloudcore's certificate bootstrap port (default 10002): the node gets its
                            client certificate there with the token, checking the CA against it
  --plain                   token mode on plain ws:// (the demo): --token is keadm gettoken --plain
  --node-name N             the node's name (default: this host's name)
  --labels K=V,...          extra labels for the Node
  --set KEY=VALUE,...       more edgecore.yaml fields (json paths, as keadm edge config-update --set),
                            e.g. modules.taskManager.enable=true; repeatable
  --root DIR                write everything under DIR (default /)
  --install-root DIR        edgecore's install root (default ${DEFAULT_INSTALL_ROOT})
  --release DIR|IMAGE       also install this release (keadm edge install)
  --insecure                plain HTTP to the release registry
  --node-binary PATH        Node.js 24 for the unit (default: the node running keadm)
  --force                   replace an existing edgecore.yaml (kept as .previous)
  --skip-start              with --root /: do not run systemctl, only print the commands
`;

const OPTIONS = {
  'cloudcore-ipport': { type: 'string' },
  token: { type: 'string' },
  'node-name': { type: 'string' },
  certport: { type: 'string' },
  plain: { type: 'boolean' },
  labels: { type: 'string' },
  set: { type: 'string', multiple: true },
  root: { type: 'string' },
  'install-root': { type: 'string' },
  release: { type: 'string' },
  insecure: { type: 'boolean' },
  'node-binary': { type: 'string' },
  force: { type: 'boolean' },
  'skip-start': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runJoin(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, JOIN_USAGE);
  if (values.help) {
    io.stdout.write(JOIN_USAGE);
    return 0;
  }
  const cloudcore = splitList(values['cloudcore-ipport'] ?? '');
  if (cloudcore.length === 0) throw usageError('--cloudcore-ipport: required', JOIN_USAGE);
  const token = values.token ?? io.env.KEDGE_EDGE_TOKEN;
  if (!token) throw usageError('--token: required (or set $KEDGE_EDGE_TOKEN)', JOIN_USAGE);
  const nodeName = values['node-name'] ?? hostname().toLowerCase();
  const installRoot = absoluteFlag('install-root', values['install-root'] ?? DEFAULT_INSTALL_ROOT);
  const node = absoluteFlag('node-binary', values['node-binary'] ?? process.execPath);
  const root = resolve(values.root ?? '/');
  const under = (path: string): string => join(root, path);

  const certPort = values.plain ? undefined : Number(values.certport ?? '10002');
  if (certPort !== undefined && !(Number.isInteger(certPort) && certPort > 0 && certPort < 65536)) {
    throw usageError('--certport: expected a port number', JOIN_USAGE);
  }
  if (certPort !== undefined && !/^[0-9a-f]{64}\.[^.]+\.[^.]+\.[^.]+$/.test(token)) {
    throw usageError(
      '--token: not a join token <ca-hash>.<jwt> (keadm gettoken; --plain for token mode)',
      JOIN_USAGE,
    );
  }
  const configText = renderJoinConfig({
    certPort,
    nodeName,
    token,
    cloudcore,
    labels: parseLabels(values.labels),
    ...(values.set?.length ? { set: parseSetFlag(values.set.join(',')) } : {}),
  });
  const unitText = renderEdgecoreUnit({ node, installRoot, configFile: DEFAULT_EDGECORE_CONFIG });

  const configFile = under(DEFAULT_EDGECORE_CONFIG);
  if (existsSync(configFile) && !values.force) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${configFile} exists: this machine has joined already (--force replaces it, keeping .previous)`,
      { file: configFile },
    );
  }
  if (existsSync(configFile)) copyFileSync(configFile, `${configFile}.previous`);
  mkdirSync(under('/etc/kedge'), { recursive: true, mode: 0o755 });
  mkdirSync(under(UNIT_DIR), { recursive: true, mode: 0o755 });
  writeFileDurable(configFile, configText, 0o600);
  io.stdout.write(`wrote ${configFile} (node ${nodeName}, cloudcore ${cloudcore.join(', ')})\n`);
  const unitFile = under(join(UNIT_DIR, EDGECORE_UNIT_NAME));
  writeFileDurable(unitFile, unitText, 0o644);
  io.stdout.write(`wrote ${unitFile}\n`);

  if (values.release !== undefined) {
    const code = await runEdgeInstall(
      [
        '--release',
        values.release,
        '--root',
        under(installRoot),
        '--config',
        configFile,
        ...(values.insecure ? ['--insecure'] : []),
      ],
      io,
      { startHint: false }, // join starts the unit itself, or prints the systemctl commands
    );
    if (code !== 0) return code;
  } else if (!existsSync(join(under(installRoot), 'current'))) {
    io.stdout.write(
      `no edgecore is installed in ${under(installRoot)} yet: ` +
        `keadm edge install --release DIR|IMAGE --root ${under(installRoot)}\n`,
    );
  }
  return startEdgecore(root, values['skip-start'] === true, io);
}

const SYSTEMCTL = [['daemon-reload'], ['enable', '--now', EDGECORE_UNIT_NAME]] as const;

async function startEdgecore(root: string, skip: boolean, io: KeadmIo): Promise<number> {
  const commands = SYSTEMCTL.map((args) => `systemctl ${args.join(' ')}`);
  const booted = existsSync('/run/systemd/system');
  if (root !== '/' || skip || !booted) {
    const why =
      root !== '/' ? `--root is ${root}` : skip ? '--skip-start' : 'this machine is not running systemd';
    io.stdout.write(
      `not starting edgecore (${why}); on the node run:\n${commands.map((c) => `  ${c}\n`).join('')}`,
    );
    return 0;
  }
  const run = promisify(execFile);
  for (const args of SYSTEMCTL) {
    try {
      await run('systemctl', [...args], { signal: io.signal });
      io.stdout.write(`ran systemctl ${args.join(' ')}\n`);
    } catch (err: unknown) {
      throw new KedgeError(
        'KEDGE_INSTALL_FAILED',
        `systemctl ${args.join(' ')} failed: ${errorMessage(err)}`,
        {
          file: join(UNIT_DIR, EDGECORE_UNIT_NAME),
        },
      );
    }
  }
  return 0;
}

function absoluteFlag(flag: string, value: string): string {
  if (!isAbsolute(value)) throw usageError(`--${flag}: "${value}" is not an absolute path`, JOIN_USAGE);
  return value;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of splitList(text ?? '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--labels: "${pair}" is not key=value`, JOIN_USAGE);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}
