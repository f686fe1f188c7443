// Test helper (not exported): a pod node for edged's integration tests. A real
// registry with the pause and busybox images, a network namespace, the pod
// network config edged writes, and containerd (CRI, runc, cgroups, CNI)
// inside that namespace with both images pulled; a CRI client and a
// PodRuntime on it. stop() removes every pod sandbox left, then containerd,
// the namespace, the test's cgroups, the registry and the directory.
import { randomBytes } from 'node:crypto';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kedge/runtime';
import {
  createNetns,
  startContainerd,
  startRegistry,
  tempDir,
  type TempDir,
  type TestContainerd,
  type TestNetns,
  type TestRegistry,
} from '@kedge/testing';
import { CriClient, CriRuntimeService } from '../src/cri/index.ts';
import { CNI_BIN_DIR, PodRuntime, writePodNetworkConfig } from '../src/edged/runtime/index.ts';
import { pushPodTestImages, type PodTestImages } from './test-pod-images.ts';

export interface TestPodNodeOptions {
  /** Prefix of the temporary directory. */
  prefix: string;
  podCidr: string;
  /** host-local's IPAM state, relative to the directory; default cni/ipam. */
  ipamDataDir?: string;
  log: Logger;
}

export interface TestPodNode {
  dir: TempDir;
  registry: TestRegistry;
  images: PodTestImages;
  netns: TestNetns;
  /** The CNI config directory containerd loads (edged's pod network config is in it). */
  cniConfDir: string;
  ctd: TestContainerd;
  cri: CriClient;
  runtime: PodRuntime;
  /** The cgroup parent of this test's pods (`/kedge-t-<random>`). */
  cgroupRoot: string;
  stop(): Promise<void>;
}

export async function startTestPodNode(o: TestPodNodeOptions): Promise<TestPodNode> {
  const node: Partial<TestPodNode> & { cgroupRoot: string } = {
    cgroupRoot: `/kedge-t-${randomBytes(4).toString('hex')}`,
  };
  const stop = (): Promise<void> => stopPodNode(node);
  try {
    const dir = (node.dir = await tempDir(o.prefix));
    const registry = (node.registry = await startRegistry());
    const images = (node.images = await pushPodTestImages(registry.url, dir.path));
    const netns = (node.netns = await createNetns());
    const cniConfDir = (node.cniConfDir = join(dir.path, 'cni', 'net.d'));
    await writePodNetworkConfig(cniConfDir, {
      podCidr: o.podCidr,
      ipamDataDir: join(dir.path, o.ipamDataDir ?? join('cni', 'ipam')),
    });
    const ctd = (node.ctd = await startContainerd({
      netnsPath: netns.path,
      cni: { binDir: CNI_BIN_DIR, confDir: cniConfDir },
      sandboxImage: images.pause,
      cgroups: true,
      plainHttpRegistries: [registry.url],
    }));
    // ctr fetches in its own process, in this (host) namespace where the registry listens.
    for (const ref of [images.pause, images.busybox]) {
      await ctd.ctr(['images', 'pull', '--plain-http', '--snapshotter', 'native', ref]);
    }
    const cri = (node.cri = new CriClient({ endpoint: ctd.endpoint }));
    node.runtime = new PodRuntime({ cri, log: o.log });
    return { ...(node as TestPodNode), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Pods first (their shims outlive containerd), then the daemon, the namespace, cgroups, registry, dir. */
async function stopPodNode(node: Partial<TestPodNode> & { cgroupRoot: string }): Promise<void> {
  const { cri, ctd } = node;
  if (cri && ctd) {
    const service = new CriRuntimeService(cri);
    for (const s of await service.listPodSandbox().catch(() => [])) {
      await service.stopPodSandbox(s.id).catch(() => undefined);
      await service.removePodSandbox(s.id).catch(() => undefined);
    }
  }
  cri?.close();
  await ctd?.stop();
  await node.netns?.remove();
  await removeCgroups(node.cgroupRoot);
  await node.registry?.stop();
  await node.dir?.cleanup();
}

/** The test's cgroups (containerd made one per pod under `root`), in every hierarchy. */
async function removeCgroups(root: string): Promise<void> {
  for (const hierarchy of await readdir('/sys/fs/cgroup').catch(() => [])) {
    const top = join('/sys/fs/cgroup', hierarchy, root);
    for (const c of await readdir(top, { withFileTypes: true }).catch(() => [])) {
      if (c.isDirectory()) await rmdir(join(top, c.name)).catch(() => undefined);
    }
    await rmdir(top).catch(() => undefined);
  }
}
