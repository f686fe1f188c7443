// Test helper (not exported): the two images a pod test needs, built here from
// Debian's busybox-static and pushed to a real registry: a pause image (the
// sandbox: busybox sleeping, killed by the runtime when the sandbox stops) and
// a busybox image for workload containers (commands given per container).
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { MEDIA_TYPES, goArch, packDirectory, pushBlob, pushManifest, type ImageConfig } from '@kedge/oci';

const BUSYBOX = '/bin/busybox';

export interface PodTestImages {
  pause: string;
  busybox: string;
}

/** Pushes `<registry>/kedge/pause:v1` and `<registry>/kedge/busybox:v1`; `dir` is scratch space. */
export async function pushPodTestImages(registry: string, dir: string): Promise<PodTestImages> {
  try {
    accessSync(BUSYBOX, constants.X_OK);
  } catch {
    throw new KedgeError(
      'KEDGE_TEST_TOOL_MISSING',
      `${BUSYBOX} is missing: install the Debian package busybox-static (\`source scripts/lib.sh && bootstrap\` does)`,
      { file: BUSYBOX },
    );
  }
  const tree = join(dir, 'busybox-rootfs');
  await mkdir(join(tree, 'bin'), { recursive: true });
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev']) await mkdir(join(tree, d), { recursive: true });
  await copyFile(BUSYBOX, join(tree, 'bin', 'busybox'));
  for (const tool of ['sh', 'sleep', 'httpd', 'cat']) await symlink('busybox', join(tree, 'bin', tool));
  const layer = await packDirectory(tree, join(dir, 'busybox-layer.tar.gz'));
  const push = async (ref: string, config: NonNullable<ImageConfig['config']>): Promise<string> => {
    await pushBlob(ref, layer.file);
    const image: ImageConfig = {
      architecture: goArch(),
      os: 'linux',
      config: { Env: ['PATH=/bin'], ...config },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    const configBlob = await pushBlob(ref, Buffer.from(JSON.stringify(image), 'utf8'));
    await pushManifest(ref, {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [{ mediaType: MEDIA_TYPES.ociLayerTarGzip, digest: layer.digest, size: layer.size }],
    });
    return ref;
  };
  return {
    pause: await push(`${registry}/kedge/pause:v1`, { Entrypoint: ['/bin/sleep', '2147483647'] }),
    busybox: await push(`${registry}/kedge/busybox:v1`, { Cmd: ['/bin/sh'] }),
  };
}
