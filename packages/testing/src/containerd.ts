// A real containerd (Debian's `containerd`, with `runc`) for tests: run as
// root with its own root, state and socket in a temp dir, the CRI plugin on
// (so kubelet-style clients can talk runtime.v1 to it), the native or
// overlayfs snapshotter, and a registry config directory (hosts.toml per
// registry) in which loopback registries are reached over plain http. `ctr`
// runs against its socket in the CRI namespace (k8s.io). For pod tests it can
// run inside a test network namespace (its CNI bridge and pod IPs then live
// there only), with CNI plugin and config directories, a sandbox (pause) image
// and cgroups on.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { NSENTER_BINARY } from './netns.ts';
import { OutputLog } from './output-log.ts';
import { spawnDaemon } from './spawn-daemon.ts';
import { tempDir } from './temp-dir.ts';

const CONTAINERD_BINARY = '/usr/bin/containerd';
const CTR_BINARY = '/usr/bin/ctr';
/** The containerd namespace the CRI plugin keeps its images in. */
const CRI_NAMESPACE = 'k8s.io';

export interface StartContainerdOptions {
  /** Default `native` (works on any filesystem, no mounts); `overlayfs` where the kernel allows it. */
  snapshotter?: 'native' | 'overlayfs';
  /** Registries (`127.0.0.1:5000`) reached over plain http from the start; see allowPlainHttp for later ones. */
  plainHttpRegistries?: string[];
  /** Runs containerd inside this network namespace (its /run/netns path), entered with nsenter. */
  netnsPath?: string;
  /** CNI for the CRI plugin: plugin binaries (`/usr/lib/cni`) and the directory of network configs. */
  cni?: { binDir: string; confDir: string };
  /** The image the CRI plugin runs as every pod's sandbox (default: containerd's, unreachable offline). */
  sandboxImage?: string;
  /** Let the CRI plugin put containers in cgroups so resource limits apply (default off). */
  cgroups?: boolean;
}

export interface TestContainerd {
  /** What edgecore.yaml's containerRuntimeEndpoint takes: `unix:///tmp/.../containerd.sock`. */
  endpoint: string;
  socket: string;
  /** containerd's root (content store, snapshots, metadata). */
  root: string;
  /** Lets containerd pull from `registry` (host:port) over plain http; takes effect for the next pull. */
  allowPlainHttp(registry: string): Promise<void>;
  /** Runs `ctr --address <socket> -n k8s.io <args>`; resolves with stdout, rejects with stderr. */
  ctr(args: string[], options?: { namespace?: string; timeoutMs?: number }): Promise<string>;
  /** The image names in the CRI namespace (`ctr -n k8s.io images ls -q`). */
  imageNames(): Promise<string[]>;
  /** How many CRI PullImage requests for `image` containerd logged so far. */
  pullRequests(image: string): number;
  /** containerd's output, for failing tests. */
  output(): string;
  stop(): Promise<void>;
  /**
   * kill -9 of containerd (its shims and their containers live on), then the same containerd started
   * again on the same root and socket; resolves once it answers.
   */
  crashAndRestart(downMs?: number): Promise<void>;
}

const TOOLS = [
  { binary: CONTAINERD_BINARY, pkg: 'containerd' },
  { binary: CTR_BINARY, pkg: 'containerd' },
  { binary: '/usr/sbin/runc', pkg: 'runc' },
] as const;

/** Throws KEDGE_TEST_TOOL_MISSING naming what is missing (a Debian package, or root). */
export function ensureContainerdInstalled(): void {
  for (const tool of TOOLS) {
    try {
      accessSync(tool.binary, constants.X_OK);
    } catch {
      throw new KedgeError(
        'KEDGE_TEST_TOOL_MISSING',
        `${tool.binary} is missing: install the Debian package ${tool.pkg} (\`source scripts/lib.sh && bootstrap\` does, or \`apt-get install -y ${tool.pkg}\`)`,
        { file: tool.binary },
      );
    }
  }
  if (process.getuid?.() !== 0) {
    throw new KedgeError('KEDGE_TEST_TOOL_MISSING', 'containerd needs root: run the tests as root', {});
  }
}

function hostsToml(registry: string): string {
  const url = `http://${registry}`;
  return [
    `server = "${url}"`,
    '',
    `[host."${url}"]`,
    '  capabilities = ["pull", "resolve"]',
    '  skip_verify = true',
    '',
  ].join('\n');
}

function configToml(dir: string, options: StartContainerdOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  const cni = options.cni
    ? [
        `${cri.slice(0, -1)}.cni]`,
        `  bin_dir = "${options.cni.binDir}"`,
        `  conf_dir = "${options.cni.confDir}"`,
        '  max_conf_num = 1',
      ]
    : [];
  return [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    // Plugins a test never uses, and that only log errors on a machine without their kernel support.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
    '[grpc]',
    `  address = "${join(dir, 'containerd.sock')}"`,
    '[ttrpc]',
    `  address = "${join(dir, 'containerd.sock.ttrpc')}"`,
    '[debug]',
    '  level = "info"',
    cri,
    '  disable_tcp_service = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  disable_apparmor = true',
    `  disable_cgroup = ${options.cgroups !== true}`,
    ...(options.sandboxImage ? [`  sandbox_image = "${options.sandboxImage}"`] : []),
    '  restrict_oom_score_adj = true',
    `${cri.slice(0, -1)}.containerd]`,
    `  snapshotter = "${options.snapshotter ?? 'native'}"`,
    `${cri.slice(0, -1)}.registry]`,
    `  config_path = "${join(dir, 'certs.d')}"`,
    ...cni,
    '',
  ].join('\n');
}

export async function startContainerd(options: StartContainerdOptions = {}): Promise<TestContainerd> {
  ensureContainerdInstalled();
  const dir = await tempDir('kedge-containerd-');
  const socket = join(dir.path, 'containerd.sock');
  const certsDir = join(dir.path, 'certs.d');
  const configFile = join(dir.path, 'config.toml');
  const allowPlainHttp = async (registry: string): Promise<void> => {
    await mkdir(join(certsDir, registry), { recursive: true });
    await writeFile(join(certsDir, registry, 'hosts.toml'), hostsToml(registry));
  };
  try {
    await mkdir(certsDir, { recursive: true });
    for (const r of options.plainHttpRegistries ?? []) await allowPlainHttp(r);
    await writeFile(configFile, configToml(dir.path, options));
  } catch (err: unknown) {
    await dir.cleanup();
    throw err;
  }

  // nsenter execs containerd in place, so the pid spawnDaemon tracks and stops is containerd's.
  const argv = [CONTAINERD_BINARY, '--config', configFile];
  const inNetns = options.netnsPath ? [NSENTER_BINARY, `--net=${options.netnsPath}`, '--'] : [];
  const [binary, ...args] = [...inNetns, ...argv] as [string, ...string[]];
  let daemon = spawnDaemon(binary, args, 10_000);
  const log = (): OutputLog => daemon.log;
  const exited = (): boolean => daemon.exited();
  const stop = async (): Promise<void> => {
    await daemon.stop();
    await dir.cleanup();
  };

  const ctr = (args: string[], o: { namespace?: string; timeoutMs?: number } = {}): Promise<string> =>
    runCtr(
      ['--address', socket, '--namespace', o.namespace ?? CRI_NAMESPACE, ...args],
      o.timeoutMs ?? 60_000,
    );

  try {
    await booted(log(), exited, ctr);
  } catch (err: unknown) {
    await stop();
    throw err;
  }
  const crashAndRestart = async (downMs = 1000): Promise<void> => {
    await daemon.killHard();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    daemon = spawnDaemon(binary, args, 10_000);
    await booted(log(), exited, ctr);
  };
  return {
    endpoint: `unix://${socket}`,
    socket,
    root: join(dir.path, 'root'),
    allowPlainHttp,
    ctr,
    imageNames: async () =>
      (await ctr(['images', 'ls', '-q']))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    pullRequests: (image) => {
      // The CRI plugin logs each request as msg="PullImage \"<image>\"" (then "... returns" or "... failed").
      const request = `msg="PullImage \\"${image}\\""`;
      return log()
        .lines()
        .filter((l) => l.text.includes(request)).length;
    },
    output: () => log().text('stdout') + log().text('stderr'),
    stop,
    crashAndRestart,
  };
}

/** Until containerd logs that it booted and answers `ctr version` (10 s). */
async function booted(
  log: OutputLog,
  exited: () => boolean,
  ctr: (args: string[], o?: { timeoutMs?: number }) => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited()) {
      throw new KedgeError(
        'KEDGE_TEST_PROCESS_EXITED',
        `containerd exited before it booted; last output:\n${log.tail(20)}`,
      );
    }
    if (log.lines().some((l) => l.text.includes('containerd successfully booted'))) {
      try {
        await ctr(['version'], { timeoutMs: 5000 });
        return;
      } catch {
        // serving but not answering yet
      }
    }
    if (Date.now() > deadline) {
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `containerd did not boot within 10 s; last output:\n${log.tail(20)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function runCtr(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(CTR_BINARY, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      reject(
        new KedgeError(
          'KEDGE_INTERNAL',
          `ctr ${args.slice(4).join(' ')} failed: ${stderr.trim() || err.message}`,
          {
            args,
          },
        ),
      );
    });
  });
}
