// A local edge node's container runtime: a real containerd started inside the
// node's network namespace (CNI from Debian's containernetworking-plugins,
// config directory under the node's dir, where edged writes its pod network),
// images loaded from the host side with `ctr` (the registry listens on the
// host's loopback, which the namespace cannot reach), and a teardown that
// leaves nothing behind: every task killed, every pod network namespace the
// CRI plugin made deleted, containerd stopped.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { systemClock, type Clock } from '@kedge/runtime';
import { startContainerd, type TestContainerd } from '@kedge/testing';

export const CNI_BIN_DIR = '/usr/lib/cni';

export interface NodeRuntimeOptions {
  /** /run/netns/<name> of the node's namespace. */
  netnsPath: string;
  /** The node's directory; the CNI config directory goes under it. */
  nodeDir: string;
  /** The pods' sandbox (pause) image, preloaded with `preloadImage`. */
  sandboxImage: string;
}

export async function startNodeContainerd(
  o: NodeRuntimeOptions,
): Promise<{ containerd: TestContainerd; cniConfDir: string }> {
  const cniConfDir = join(o.nodeDir, 'cni', 'net.d');
  await mkdir(cniConfDir, { recursive: true });
  const containerd = await startContainerd({
    netnsPath: o.netnsPath,
    cni: { binDir: CNI_BIN_DIR, confDir: cniConfDir },
    sandboxImage: o.sandboxImage,
  });
  return { containerd, cniConfDir };
}

/** Pulls `ref` from a plain-http registry on the host into the node's containerd. */
export async function preloadImage(containerd: TestContainerd, ref: string): Promise<void> {
  await containerd.ctr(['images', 'pull', '--plain-http', '--snapshotter', 'native', ref], {
    timeoutMs: 120_000,
  });
}

/** Unmounts every mount point below `dir` (deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    await new Promise<void>((resolve) => {
      execFile('/usr/bin/umount', [point], { timeout: 10_000 }, () => resolve());
    });
  }
}

function removeNetns(path: string): Promise<void> {
  return new Promise((resolve) => {
    execFile('/usr/sbin/ip', ['netns', 'delete', basename(path)], { timeout: 10_000 }, () => resolve());
  });
}

/** The network namespace path in a container's OCI spec, if it names one. */
async function networkNamespaceOf(containerd: TestContainerd, id: string): Promise<string | undefined> {
  const info = JSON.parse(await containerd.ctr(['containers', 'info', id], { timeoutMs: 5000 })) as {
    Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
  };
  return info.Spec?.linux?.namespaces?.find((n) => n.type === 'network')?.path;
}

/** The IDs `ctr <what> ls -q` lists (empty when containerd does not answer). */
async function listIds(containerd: TestContainerd, what: 'containers' | 'tasks'): Promise<string[]> {
  const out = await containerd.ctr([what, 'ls', '-q'], { timeoutMs: 5000 }).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Kills every container, deletes the pods' network namespaces, stops containerd. */
export async function stopNodeContainerd(
  containerd: TestContainerd,
  clock: Clock = systemClock,
): Promise<void> {
  const podNamespaces = new Set<string>();
  for (const id of await listIds(containerd, 'containers')) {
    const path = await networkNamespaceOf(containerd, id).catch(() => undefined);
    if (path?.startsWith('/var/run/netns/') || path?.startsWith('/run/netns/')) podNamespaces.add(path);
  }
  // SIGKILL every task; the CRI plugin deletes each exited task itself (so its shim ends).
  const deadline = clock.now() + 10_000;
  for (;;) {
    const tasks = await listIds(containerd, 'tasks');
    if (tasks.length === 0 || clock.now() > deadline) break;
    for (const id of tasks) {
      await containerd
        .ctr(['tasks', 'kill', '--signal', 'SIGKILL', id], { timeoutMs: 5000 })
        .catch(() => undefined);
    }
    await clock.sleep(300);
  }
  // The CRI plugin's sandbox /dev/shm mounts live under containerd's state directory.
  await unmountUnder(dirname(containerd.root));
  await containerd.stop();
  for (const path of podNamespaces) await removeNetns(path);
}
