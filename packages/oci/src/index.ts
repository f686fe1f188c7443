export { parseImageRef, formatImageRef, type ImageRef } from './image-ref.ts';
export { digestOf, isDigest, Digester, type DigestAlgorithm } from './digest.ts';
export {
  MEDIA_TYPES,
  VERSION_LABEL,
  DescriptorSchema,
  ImageConfigSchema,
  ImageIndexSchema,
  ImageManifestSchema,
  PlatformSchema,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './manifest.ts';
export { goArch, hostPlatform, formatPlatform, selectPlatformManifest } from './platform.ts';
export { parseAuthChallenge, type AuthChallenge } from './auth-challenge.ts';
export { isLoopbackHost, type RegistryAuth, type RegistryOptions } from './registry-session.ts';
export {
  pullManifest,
  resolveDigest,
  type PullManifestOptions,
  type PulledManifest,
} from './pull-manifest.ts';
export { pullBlob, type PullBlobOptions, type PulledBlob } from './pull-blob.ts';
export { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './unpack-budget.ts';
export {
  SIGNATURE_MEDIA_TYPE,
  pushReleaseSignature,
  signatureTag,
  verifyReleaseSignature,
} from './release-signature.ts';
export {
  pullRelease,
  type PullProgress,
  type PullReleaseOptions,
  type PulledRelease,
} from './pull-release.ts';
export { pushBlob, pushIndex, pushManifest, type IndexEntry, type PushedBlob } from './push.ts';
export { pushRelease, type PushReleaseOptions, type PushedRelease } from './push-release.ts';
export { packDirectory, type PackedLayer } from './pack-directory.ts';
export { listTarEntries, type TarEntry } from './tar-entries.ts';
