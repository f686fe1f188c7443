// Resolves a reference to one image manifest: GET the manifest, and when the
// registry answers with an index, GET the entry for the wanted platform.
// Every document is checked against its digest: the one named by a digest
// reference or an index entry, or the Docker-Content-Digest the registry sent.
import { KedgeError } from '@kedge/api';
import type { z } from 'zod';
import { digestAlgorithm, digestOf, isDigest } from './digest.ts';
import { formatImageRef, manifestReference, toImageRef, type ImageRef } from './image-ref.ts';
import {
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  ImageIndexSchema,
  ImageManifestSchema,
  MEDIA_TYPES,
  type ImageManifest,
  type Platform,
} from './manifest.ts';
import { formatPlatform, hostPlatform, selectPlatformManifest } from './platform.ts';
import { RegistrySession, readLimited, type RegistryOptions } from './registry-session.ts';

export interface PullManifestOptions extends RegistryOptions {
  /** Which entry of an index to take. Default: this host (linux + Go name of the CPU). */
  platform?: Platform;
}

export interface PulledManifest {
  /** Digest of the image manifest; for an index, of the entry chosen for the platform. */
  digest: string;
  manifest: ImageManifest;
  mediaType: string;
  /** Size of the image manifest in bytes. */
  size: number;
  /** Set when the reference named an index: the index's digest. */
  indexDigest?: string;
}

/** containerd's limit too: a manifest or index is never near this big. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(', ');

interface ManifestDocument {
  bytes: Uint8Array;
  json: unknown;
  mediaType: string;
  digest: string;
}

export async function pullManifest(
  ref: string | ImageRef,
  options: PullManifestOptions = {},
): Promise<PulledManifest> {
  const session = new RegistrySession(toImageRef(ref), options);
  return resolveManifest(session, options.platform ?? hostPlatform());
}

/**
 * The digest of what `ref` names now (the index for a multi-platform image, else the manifest),
 * checked against the bytes; what a job pins so that a later re-push under the same tag is refused.
 */
export async function resolveDigest(
  ref: string | ImageRef,
  options: RegistryOptions = {},
): Promise<{ digest: string; mediaType: string }> {
  const session = new RegistrySession(toImageRef(ref), options);
  const doc = await getManifest(session, manifestReference(session.ref));
  return { digest: doc.digest, mediaType: doc.mediaType };
}

/** pullManifest within an open session (pullRelease reuses its auth for the blobs). */
export async function resolveManifest(session: RegistrySession, platform: Platform): Promise<PulledManifest> {
  const first = await getManifest(session, manifestReference(session.ref));
  if (IMAGE_MANIFEST_MEDIA_TYPES.includes(first.mediaType)) {
    return {
      digest: first.digest,
      manifest: validate(session, ImageManifestSchema, first),
      mediaType: first.mediaType,
      size: first.bytes.byteLength,
    };
  }
  const index = validate(session, ImageIndexSchema, first);
  const entry = selectPlatformManifest(index.manifests, platform);
  if (!entry) {
    const offered = index.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
    throw new KedgeError(
      'KEDGE_OCI_PLATFORM_MISSING',
      `${session.label}: index ${first.digest} has no manifest for ${formatPlatform(platform)} (it has: ${
        offered.join(', ') || 'none with a platform'
      })`,
      session.context({ platform: formatPlatform(platform) }),
    );
  }
  if (!isDigest(entry.digest))
    throw invalidDocument(session, first.digest, `entry digest "${entry.digest}" is malformed`);
  const child = await getManifest(session, entry.digest);
  if (!IMAGE_MANIFEST_MEDIA_TYPES.includes(child.mediaType)) {
    throw invalidDocument(
      session,
      entry.digest,
      `the ${formatPlatform(platform)} entry is a ${child.mediaType}, not an image manifest`,
    );
  }
  return {
    digest: child.digest,
    manifest: validate(session, ImageManifestSchema, child),
    mediaType: child.mediaType,
    size: child.bytes.byteLength,
    indexDigest: first.digest,
  };
}

async function getManifest(session: RegistrySession, reference: string): Promise<ManifestDocument> {
  const what = `GET manifest ${reference}`;
  const res = await session.expect(
    { method: 'GET', url: session.repoPath(`manifests/${reference}`), what, headers: { accept: ACCEPT } },
    [200],
  );
  const bytes = await readLimited(res, MAX_MANIFEST_BYTES, () =>
    invalidDocument(session, reference, `larger than ${MAX_MANIFEST_BYTES} bytes`),
  );
  const byDigest = isDigest(reference);
  const expected = byDigest ? reference : validDigestHeader(res.headers.get('docker-content-digest'));
  const actual = digestOf(bytes, expected === undefined ? 'sha256' : digestAlgorithm(expected));
  if (expected !== undefined && expected !== actual) {
    throw new KedgeError(
      'KEDGE_OCI_DIGEST_MISMATCH',
      `${session.label}: manifest ${reference}: expected digest ${expected}${
        byDigest ? '' : ' (Docker-Content-Digest)'
      }, got ${actual}`,
      session.context({ expected, actual }),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err: unknown) {
    throw invalidDocument(session, reference, 'not valid JSON', err);
  }
  return { bytes, json, mediaType: documentMediaType(session, reference, res, json), digest: actual };
}

function validDigestHeader(value: string | null): string | undefined {
  return value !== null && isDigest(value) ? value : undefined;
}

/** The Content-Type when it is a manifest type, else the document's own mediaType, else its shape. */
function documentMediaType(
  session: RegistrySession,
  reference: string,
  res: Response,
  json: unknown,
): string {
  const header = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const own = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const known = (t: string | undefined): boolean =>
    t !== undefined && (INDEX_MEDIA_TYPES.includes(t) || IMAGE_MANIFEST_MEDIA_TYPES.includes(t));
  if (known(header) && own !== undefined && own !== header) {
    throw invalidDocument(session, reference, `served as ${header} but says it is ${own}`);
  }
  if (known(header)) return header;
  if (own !== undefined && known(own)) return own;
  if (own === undefined && Array.isArray(body.manifests)) return MEDIA_TYPES.ociIndex;
  if (own === undefined && Array.isArray(body.layers)) return MEDIA_TYPES.ociManifest;
  throw invalidDocument(
    session,
    reference,
    `media type ${own ?? (header || 'unknown')} is not an OCI/Docker v2 image manifest or index`,
  );
}

function validate<S extends z.ZodType>(
  session: RegistrySession,
  schema: S,
  doc: ManifestDocument,
): z.infer<S> {
  const parsed = schema.safeParse(doc.json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw invalidDocument(session, doc.digest, problems);
}

function invalidDocument(
  session: RegistrySession,
  reference: string,
  problem: string,
  cause?: unknown,
): KedgeError {
  return new KedgeError(
    'KEDGE_OCI_MANIFEST_INVALID',
    `${session.label}: manifest ${reference} (${formatImageRef(session.ref)}): ${problem}`,
    session.context(),
    cause === undefined ? undefined : { cause },
  );
}
