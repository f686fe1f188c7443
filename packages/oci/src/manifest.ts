// The manifest documents kedge reads and writes: OCI image manifests and
// indexes, and their Docker v2 counterparts (manifest / manifest list), which
// have the same shape. Unknown fields are kept, so a manifest read from a
// registry round-trips.
import { z } from 'zod';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The image config label holding a kedge release's version. */
export const VERSION_LABEL = 'io.kedge.version';

export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
];

/** Layer media types pullRelease unpacks, and whether they are gzip-compressed. */
export const LAYER_MEDIA_TYPES: Readonly<Record<string, { gzip: boolean }>> = {
  [MEDIA_TYPES.ociLayerTar]: { gzip: false },
  [MEDIA_TYPES.ociLayerTarGzip]: { gzip: true },
  [MEDIA_TYPES.dockerLayerTarGzip]: { gzip: true },
};

export const PlatformSchema = z.looseObject({
  os: z.string().min(1),
  architecture: z.string().min(1),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});
export type Platform = z.infer<typeof PlatformSchema>;

export const DescriptorSchema = z.looseObject({
  mediaType: z.string().min(1),
  digest: z.string().min(1),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: PlatformSchema.optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

export const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof ImageManifestSchema>;

export const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof ImageIndexSchema>;

/** What pushRelease writes as the image config (a valid OCI image config, so containerd can pull it too). */
export const ImageConfigSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z.looseObject({ Labels: z.record(z.string(), z.string()).optional() }).optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }).optional(),
});
export type ImageConfig = z.infer<typeof ImageConfigSchema>;
