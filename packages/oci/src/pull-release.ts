// Installs a release image into a directory: resolve the manifest for this
// platform, check it against the digest the job expects, download and verify
// every layer, check each layer's entries and their total size and number
// against the unpack limits (unpack-budget.ts), unpack them in order into
// `<destDir>.partial`, flush it to disk and rename it to `destDir`. Either
// `destDir` appears complete or not at all; leftovers of an interrupted pull
// are removed by the next one.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KedgeError, hasCode } from '@kedge/api';
import { digestAlgorithm } from './digest.ts';
import { fsyncPath, fsyncTree } from './fsync-tree.ts';
import { toImageRef, type ImageRef } from './image-ref.ts';
import { ImageConfigSchema, LAYER_MEDIA_TYPES, VERSION_LABEL, type Platform } from './manifest.ts';
import { formatPlatform, hostPlatform } from './platform.ts';
import { downloadBlob } from './pull-blob.ts';
import { resolveManifest, type PullManifestOptions } from './pull-manifest.ts';
import { RegistrySession } from './registry-session.ts';
import { runTar } from './run-tar.ts';
import { listTarEntries } from './tar-entries.ts';
import { tarEntryProblem } from './tar-policy.ts';
import { DEFAULT_UNPACK_LIMITS, UnpackBudget, type UnpackLimits } from './unpack-budget.ts';

export type PullProgress =
  | { step: 'manifest'; digest: string; indexDigest?: string }
  | { step: 'download'; digest: string; layer: number; layers: number; received: number; size: number }
  | { step: 'unpack'; digest: string; layer: number; layers: number }
  | { step: 'done'; destDir: string };

export interface PullReleaseOptions extends PullManifestOptions {
  /** Where the release ends up; must not exist yet. Its parent is created. */
  destDir: string;
  /**
   * The digest the image must have (imageDigestGatter-style, per architecture):
   * that of the platform's image manifest, or of the index it was chosen from.
   */
  expectedManifestDigest?: string;
  /** Caps on what the release unpacks to (default DEFAULT_UNPACK_LIMITS). */
  limits?: Partial<UnpackLimits>;
  onProgress?: (progress: PullProgress) => void;
}

export interface PulledRelease {
  /** Digest of the image manifest that was installed. */
  digest: string;
  indexDigest?: string;
  destDir: string;
  layers: { digest: string; size: number; mediaType: string }[];
  /** The image config's labels (pushRelease sets `io.kedge.version`). */
  labels: Record<string, string>;
  /** The `io.kedge.version` label, when the image has one. */
  version?: string;
}

/** An image config is a small JSON document. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export async function pullRelease(
  ref: string | ImageRef,
  options: PullReleaseOptions,
): Promise<PulledRelease> {
  const session = new RegistrySession(toImageRef(ref), options);
  const platform = options.platform ?? hostPlatform();
  const { destDir } = options;
  const partial = `${destDir}.partial`;
  const work = `${destDir}.download`;
  if (existsSync(destDir)) {
    throw new KedgeError('KEDGE_OCI_UNPACK_FAILED', `${destDir} already exists; remove it to install again`, {
      file: destDir,
    });
  }

  const resolved = await resolveManifest(session, platform);
  const progress = options.onProgress ?? (() => undefined);
  progress({
    step: 'manifest',
    digest: resolved.digest,
    ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
  });
  const expected = options.expectedManifestDigest;
  if (expected !== undefined) {
    digestAlgorithm(expected); // rejects a malformed expectation before it can never match
    if (expected !== resolved.digest && expected !== resolved.indexDigest) {
      throw new KedgeError(
        'KEDGE_OCI_DIGEST_MISMATCH',
        `${session.label}: digest mismatch: expected manifest digest ${expected} for ${formatPlatform(platform)}, the registry has ${
          resolved.digest
        }${resolved.indexDigest ? ` (index ${resolved.indexDigest})` : ''}`,
        session.context({ expected, actual: resolved.digest }),
      );
    }
  }
  const layers = resolved.manifest.layers;
  for (const layer of layers) {
    if (LAYER_MEDIA_TYPES[layer.mediaType] === undefined) {
      throw new KedgeError(
        'KEDGE_OCI_MANIFEST_INVALID',
        `${session.label}: layer ${layer.digest} has media type ${layer.mediaType}; only tar and tar+gzip layers can be installed`,
        session.context({ digest: layer.digest }),
      );
    }
  }

  await rm(partial, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await mkdir(work, { recursive: true });
  try {
    const labels = await readConfigLabels(
      session,
      resolved.manifest.config,
      work,
      platform,
      resolved.indexDigest,
    );
    const symlinks = new Set<string>();
    const budget = new UnpackBudget(
      { ...DEFAULT_UNPACK_LIMITS, ...options.limits },
      session.label,
      session.context(),
    );
    for (const [i, layer] of layers.entries()) {
      const file = join(work, `layer-${i}`);
      const step = { digest: layer.digest, layer: i + 1, layers: layers.length };
      await downloadBlob(session, layer.digest, file, {
        size: layer.size,
        onBytes: (received) => progress({ step: 'download', ...step, received, size: layer.size }),
      });
      progress({ step: 'unpack', ...step });
      await unpackLayer(
        session,
        file,
        layer.digest,
        LAYER_MEDIA_TYPES[layer.mediaType]?.gzip ?? true,
        partial,
        symlinks,
        budget,
      );
      await rm(file, { force: true });
    }
    await fsyncTree(partial);
    await rename(partial, destDir);
    await fsyncPath(dirname(destDir));
    progress({ step: 'done', destDir });
    return {
      digest: resolved.digest,
      ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
      destDir,
      layers: layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
      labels,
      ...(labels[VERSION_LABEL] !== undefined ? { version: labels[VERSION_LABEL] } : {}),
    };
  } catch (err: unknown) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readConfigLabels(
  session: RegistrySession,
  config: { digest: string; size: number },
  work: string,
  platform: Platform,
  indexDigest: string | undefined,
): Promise<Record<string, string>> {
  if (config.size > MAX_CONFIG_BYTES) {
    throw new KedgeError(
      'KEDGE_OCI_MANIFEST_INVALID',
      `${session.label}: image config ${config.digest} is ${config.size} bytes, more than ${MAX_CONFIG_BYTES}`,
      session.context(),
    );
  }
  const file = join(work, 'config.json');
  await downloadBlob(session, config.digest, file, { size: config.size });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    json = undefined; // reported just below, as not an image config
  }
  const parsed = ImageConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new KedgeError(
      'KEDGE_OCI_MANIFEST_INVALID',
      `${session.label}: image config ${config.digest} is not an image config (needs os and architecture)`,
      session.context(),
    );
  }
  // A plain manifest (no index) carries its platform only here: refuse a release built for another CPU.
  if (indexDigest === undefined) {
    const { os, architecture } = parsed.data;
    if (os !== platform.os || architecture !== platform.architecture) {
      throw new KedgeError(
        'KEDGE_OCI_PLATFORM_MISSING',
        `${session.label}: the image is built for ${os}/${architecture}, not ${formatPlatform(platform)}`,
        session.context({ platform: formatPlatform(platform) }),
      );
    }
  }
  return parsed.data.config?.Labels ?? {};
}

async function unpackLayer(
  session: RegistrySession,
  file: string,
  digest: string,
  gzip: boolean,
  into: string,
  symlinks: Set<string>,
  budget: UnpackBudget,
): Promise<void> {
  let problem: string | undefined;
  try {
    const entries = await listTarEntries(file, { gzip, onEntry: (e) => budget.count(e, digest) });
    problem = tarEntryProblem(entries, symlinks);
  } catch (err: unknown) {
    if (hasCode(err, 'KEDGE_OCI_RELEASE_TOO_LARGE')) throw err;
    throw new KedgeError(
      'KEDGE_OCI_UNSAFE_ARCHIVE',
      `${session.label}: layer ${digest} is not a readable ${gzip ? 'tar+gzip' : 'tar'} archive: ${
        err instanceof Error ? err.message : String(err)
      }`,
      session.context({ digest }),
      { cause: err },
    );
  }
  if (problem !== undefined) {
    throw new KedgeError(
      'KEDGE_OCI_UNSAFE_ARCHIVE',
      `${session.label}: layer ${digest}: ${problem}; refusing to unpack`,
      session.context({ digest }),
    );
  }
  const args = ['--extract', `--file=${file}`, `--directory=${into}`, '--no-same-owner'];
  if (gzip) args.push('--gzip');
  const run = runTar(args, {
    what: `${session.label}: unpacking layer ${digest}`,
    ...(session.signal ? { signal: session.signal } : {}),
  });
  await run.done;
}
