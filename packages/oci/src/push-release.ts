// Publishes a release directory as a one-layer OCI image: the directory packed
// deterministically, an image config labelled with the version (a valid OCI
// config, so a container runtime can pull it too), and an image manifest
// pushed under the reference's tag (or, without one, only by digest).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { toImageRef, type ImageRef } from './image-ref.ts';
import {
  MEDIA_TYPES,
  VERSION_LABEL,
  type ImageConfig,
  type ImageManifest,
  type Platform,
} from './manifest.ts';
import { packDirectory } from './pack-directory.ts';
import { hostPlatform } from './platform.ts';
import { putManifest, uploadBlob } from './push.ts';
import { RegistrySession, type RegistryOptions } from './registry-session.ts';

export interface PushReleaseOptions extends RegistryOptions {
  /** Written into the image config. Default: this host. */
  platform?: Platform;
  /** Default: the content of `<releaseDir>/VERSION`, trimmed. */
  version?: string;
}

export interface PushedRelease {
  /** Digest of the image manifest. */
  digest: string;
  size: number;
  mediaType: string;
  version: string;
  platform: Platform;
  layer: { digest: string; size: number; diffId: string };
  config: { digest: string; size: number };
}

async function releaseVersion(releaseDir: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const file = join(releaseDir, 'VERSION');
  let version: string;
  try {
    version = (await readFile(file, 'utf8')).trim();
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_OCI_UNPACK_FAILED',
      `${file}: cannot read the release version (pass version)`,
      { file },
      {
        cause: err,
      },
    );
  }
  if (version === '') throw new KedgeError('KEDGE_OCI_UNPACK_FAILED', `${file} is empty`, { file });
  return version;
}

export async function pushRelease(
  ref: string | ImageRef,
  releaseDir: string,
  options: PushReleaseOptions = {},
): Promise<PushedRelease> {
  const session = new RegistrySession(toImageRef(ref), options);
  const version = await releaseVersion(releaseDir, options.version);
  const platform = options.platform ?? hostPlatform();
  const work = await mkdtemp(join(tmpdir(), 'kedge-push-'));
  try {
    const layer = await packDirectory(
      releaseDir,
      join(work, 'layer.tar.gz'),
      options.signal ? { signal: options.signal } : {},
    );
    await uploadBlob(session, layer.file);
    const config: ImageConfig = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Labels: { [VERSION_LABEL]: version } },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    const configBytes = Buffer.from(JSON.stringify(config), 'utf8');
    const configBlob = await uploadBlob(session, configBytes);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [{ mediaType: MEDIA_TYPES.ociLayerTarGzip, digest: layer.digest, size: layer.size }],
      annotations: { 'org.opencontainers.image.version': version },
    };
    const pushed = await putManifest(session, manifest);
    return {
      digest: pushed.digest,
      size: pushed.size,
      mediaType: pushed.mediaType,
      version,
      platform,
      layer: { digest: layer.digest, size: layer.size, diffId: layer.diffId },
      config: { digest: configBlob.digest, size: configBlob.size },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
