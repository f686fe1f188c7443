export {
  LocalCloud,
  LocalProcess,
  CloudCoreReplica,
  type CloudProcessKind,
  type LocalCloudKubernetes,
  type LocalCloudOptions,
} from './local-cloud.ts';
export { LocalEdge, type LocalEdgeOptions, type LocalEdgePods } from './local-edge.ts';
export { stopNodeContainerd, unmountUnder } from './pods/node-containerd.ts';
export { LocalPodNetwork, type NodeNetwork } from './pods/pod-network.ts';
export { podNetnsPath, requestsFromPod } from './pods/pod-requests.ts';
export { buildRelease, type BuildReleaseOptions, type BuiltRelease } from './release/build-release.ts';
export { buildCloudBundle } from './release/build-cloud-bundle.ts';
export { LocalReleases, RELEASE_REPOSITORY, type PublishedRelease } from './release/local-releases.ts';
export { installEdge, keadm } from './install-edge.ts';
export {
  pushBusyboxImage,
  BUSYBOX_BINARY,
  type BusyboxImageOptions,
  type PushedImage,
} from './images/busybox-image.ts';
