// A gzip bomb pushed as a release image: one tar+gzip layer of a few hundred
// kilobytes holding a file of zeros many times larger, with a valid image
// config for this host, so that everything but the unpacked size checks out.
// The layer itself comes from @kedge/testing's writeGzipBomb.
import { MEDIA_TYPES, hostPlatform, pushBlob, pushManifest } from '@kedge/oci';

/** Pushes `layerFile` as the only layer of `ref`, labelled as release `version`; returns the manifest digest. */
export async function pushBombRelease(ref: string, layerFile: string, version: string): Promise<string> {
  const platform = hostPlatform();
  const layer = await pushBlob(ref, layerFile);
  const config = await pushBlob(
    ref,
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        config: { Labels: { 'io.kedge.version': version } },
      }),
    ),
  );
  const pushed = await pushManifest(ref, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: MEDIA_TYPES.ociLayerTarGzip, digest: layer.digest, size: layer.size }],
  });
  return pushed.digest;
}
