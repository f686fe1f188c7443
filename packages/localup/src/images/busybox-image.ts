// Small runnable OCI images built here, for image pre-pull tests, the
// benchmark and the demo: a first layer holding Debian's statically linked
// busybox (`busybox-static`, /bin/busybox) with /bin/sh beside it, then any
// number of data layers of incompressible bytes (to give a pull some weight),
// an OCI image config and an OCI manifest, pushed with @kedge/oci to a real
// registry. The busybox layer is the same bytes in every image; the data
// layers are fresh random bytes, so no two images share them.
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import {
  MEDIA_TYPES,
  goArch,
  packDirectory,
  pushBlob,
  pushManifest,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type RegistryAuth,
} from '@kedge/oci';
import { tempDir } from '@kedge/testing';

export const BUSYBOX_BINARY = '/bin/busybox';

export interface BusyboxImageOptions {
  /** Sizes in bytes of the data layers after the busybox layer (default none: a 1-layer image). */
  dataLayers?: number[];
  /** The image's entrypoint (default none: Cmd /bin/sh). */
  entrypoint?: string[];
  /** Registry credentials, for a registry behind auth. */
  auth?: RegistryAuth;
}

export interface PushedImage {
  /** The reference pushed, `host:port/repo:tag`. */
  ref: string;
  /** The manifest's digest. */
  digest: string;
  layers: number;
  /** Compressed bytes of config and layers. */
  size: number;
}

export async function pushBusyboxImage(ref: string, o: BusyboxImageOptions = {}): Promise<PushedImage> {
  try {
    accessSync(BUSYBOX_BINARY, constants.X_OK);
  } catch {
    throw new KedgeError(
      'KEDGE_TEST_TOOL_MISSING',
      `${BUSYBOX_BINARY} is missing: install the Debian package busybox-static (\`source scripts/lib.sh && bootstrap\` does)`,
      { file: BUSYBOX_BINARY },
    );
  }
  const registry = o.auth ? { auth: o.auth } : {};
  await using dir = await tempDir('kedge-image-');
  const base = join(dir.path, 'layer-0');
  await mkdir(join(base, 'bin'), { recursive: true });
  await copyFile(BUSYBOX_BINARY, join(base, 'bin', 'busybox'));
  await symlink('busybox', join(base, 'bin', 'sh'));
  // Mount points a container runtime expects in a root filesystem.
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev']) await mkdir(join(base, d), { recursive: true });
  const trees = [base];
  for (const [i, bytes] of (o.dataLayers ?? []).entries()) {
    const tree = join(dir.path, `layer-${i + 1}`);
    await mkdir(join(tree, 'data'), { recursive: true });
    await writeFile(join(tree, 'data', `layer-${i + 1}.bin`), randomBytes(bytes));
    trees.push(tree);
  }
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const [i, tree] of trees.entries()) {
    const packed = await packDirectory(tree, join(dir.path, `layer-${i}.tar.gz`));
    await pushBlob(ref, packed.file, registry);
    layers.push({ mediaType: MEDIA_TYPES.ociLayerTarGzip, digest: packed.digest, size: packed.size });
    diffIds.push(packed.diffId);
  }
  const config: ImageConfig = {
    architecture: goArch(),
    os: 'linux',
    config: {
      Env: ['PATH=/bin'],
      ...(o.entrypoint ? { Entrypoint: o.entrypoint } : { Cmd: ['/bin/sh'] }),
      Labels: { 'io.kedge.test-image': 'busybox' },
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const configBytes = Buffer.from(JSON.stringify(config), 'utf8');
  const pushedConfig = await pushBlob(ref, configBytes, registry);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: pushedConfig.digest, size: pushedConfig.size },
    layers,
  };
  const pushed = await pushManifest(ref, manifest, registry);
  return {
    ref,
    digest: pushed.digest,
    layers: layers.length,
    size: pushedConfig.size + layers.reduce((sum, l) => sum + l.size, 0),
  };
}
