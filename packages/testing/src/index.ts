export { freePort } from './free-port.ts';
export { tempDir, type TempDir } from './temp-dir.ts';
export { repoRoot } from './repo-root.ts';
export {
  startProcess,
  type ManagedProcess,
  type ProcessExit,
  type StartProcessOptions,
} from './start-process.ts';
export { waitFor, type WaitForOptions } from './wait-for.ts';
export {
  ensureRegistryInstalled,
  startRegistry,
  type StartRegistryOptions,
  type TestRegistry,
} from './registry.ts';
export { makeTestCa, type TestCa } from './test-ca.ts';
export {
  kubeVersion,
  requireKubeBinaries,
  startKubeApiServer,
  type TestKubeApiServer,
} from './kube-apiserver.ts';
export {
  startKubeControlPlane,
  type StartKubeControlPlaneOptions,
  type TestKubeControlPlane,
} from './kube-control-plane.ts';
export {
  ensureContainerdInstalled,
  startContainerd,
  type StartContainerdOptions,
  type TestContainerd,
} from './containerd.ts';
export { spawnChild, type Child } from './kube-child.ts';
export { createNetns, ensureNetnsTools, type TestNetns } from './netns.ts';
export { chromiumPath, requireChromium } from './chromium.ts';
export { makeFakeRelease, type FakeBehaviour } from './fake-release.ts';
export { writeGzipBomb } from './gzip-bomb.ts';
