// The push side of the distribution API: blobs (skipped when the registry has
// them already, else one monolithic upload), manifests and indexes. Used to
// publish releases, by the demo and by tests.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { KedgeError } from '@kedge/api';
import { Digester, digestOf } from './digest.ts';
import { toImageRef, type ImageRef } from './image-ref.ts';
import {
  MEDIA_TYPES,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './manifest.ts';
import { RegistrySession, type RegistryOptions, type RequestBody } from './registry-session.ts';

export interface PushedBlob {
  digest: string;
  size: number;
  /** False when the registry had the blob already and nothing was uploaded. */
  uploaded: boolean;
}

export interface IndexEntry {
  digest: string;
  size: number;
  platform: Platform;
  /** Default: OCI image manifest. */
  mediaType?: string;
}

async function fileDigest(file: string): Promise<{ digest: string; size: number }> {
  const digester = new Digester();
  for await (const chunk of createReadStream(file)) digester.update(chunk as Buffer);
  return { digest: digester.digest(), size: digester.size };
}

/** Pushes a file (by path) or bytes as a blob of the reference's repository. */
export async function pushBlob(
  ref: string | ImageRef,
  source: string | Uint8Array,
  options: RegistryOptions = {},
): Promise<PushedBlob> {
  return uploadBlob(new RegistrySession(toImageRef(ref), options), source);
}

/** pushBlob within an open session. */
export async function uploadBlob(session: RegistrySession, source: string | Uint8Array): Promise<PushedBlob> {
  const { digest, size } =
    typeof source === 'string'
      ? await fileDigest(source)
      : { digest: digestOf(source), size: source.byteLength };
  const head = await session.send({
    method: 'HEAD',
    url: session.repoPath(`blobs/${digest}`),
    what: `HEAD blob ${digest}`,
  });
  if (head.status === 200) return { digest, size, uploaded: false };
  if (head.status !== 404) throw await session.statusError(head, `HEAD blob ${digest}`);

  const start = await session.expect(
    { method: 'POST', url: session.repoPath('blobs/uploads/'), what: `start upload of blob ${digest}` },
    [202],
  );
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (!location) {
    throw new KedgeError(
      'KEDGE_OCI_REGISTRY_ERROR',
      `${session.label}: start upload of blob ${digest}: HTTP 202 without a Location header`,
      session.context(),
    );
  }
  const target = new URL(location, session.baseUrl);
  target.searchParams.set('digest', digest);
  if (typeof source === 'string' && (await stat(source)).size !== size) {
    throw new KedgeError('KEDGE_OCI_UNPACK_FAILED', `${source} changed while it was being pushed`, {
      file: source,
    });
  }
  const body = (): RequestBody =>
    typeof source === 'string'
      ? (Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>)
      : new Uint8Array(source);
  const done = await session.expect(
    {
      method: 'PUT',
      url: target.href,
      what: `upload blob ${digest}`,
      headers: { 'content-type': 'application/octet-stream' },
      body,
    },
    [201],
  );
  await done.body?.cancel();
  return { digest, size, uploaded: true };
}

/**
 * Pushes a manifest or index under the reference's tag, or, without a tag,
 * under its own digest. An object is serialised with JSON.stringify; its
 * `mediaType` (or `options.mediaType`) is the Content-Type.
 */
export async function pushManifest(
  ref: string | ImageRef,
  manifest: ImageManifest | ImageIndex | Uint8Array,
  options: RegistryOptions & { mediaType?: string } = {},
): Promise<Descriptor> {
  return putManifest(new RegistrySession(toImageRef(ref), options), manifest, options.mediaType);
}

/** The `mediaType` a serialised manifest declares, if it is JSON and declares one. */
function ownMediaType(bytes: Uint8Array): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    const value =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as { mediaType?: unknown }).mediaType
        : undefined;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // not JSON: reported by the caller as a manifest without a mediaType
  }
}

/** pushManifest within an open session. */
export async function putManifest(
  session: RegistrySession,
  manifest: ImageManifest | ImageIndex | Uint8Array,
  explicitMediaType?: string,
): Promise<Descriptor> {
  const bytes = manifest instanceof Uint8Array ? manifest : Buffer.from(JSON.stringify(manifest), 'utf8');
  const mediaType =
    explicitMediaType ?? (manifest instanceof Uint8Array ? ownMediaType(manifest) : manifest.mediaType);
  if (!mediaType) {
    throw new KedgeError(
      'KEDGE_OCI_MANIFEST_INVALID',
      `${session.label}: cannot push a manifest without a mediaType (set it in the manifest or in options)`,
      session.context(),
    );
  }
  const digest = digestOf(bytes);
  if (session.ref.digest !== undefined && session.ref.digest !== digest) {
    throw new KedgeError(
      'KEDGE_OCI_DIGEST_MISMATCH',
      `${session.label}: the reference names digest ${session.ref.digest} but the manifest's is ${digest}`,
      session.context({ expected: session.ref.digest, actual: digest }),
    );
  }
  const reference = session.ref.tag ?? digest;
  const res = await session.expect(
    {
      method: 'PUT',
      url: session.repoPath(`manifests/${reference}`),
      what: `PUT manifest ${reference}`,
      headers: { 'content-type': mediaType },
      body: () => new Uint8Array(bytes),
    },
    [201],
  );
  await res.body?.cancel();
  const stored = res.headers.get('docker-content-digest');
  if (stored !== null && stored.startsWith('sha256:') && stored !== digest) {
    throw new KedgeError(
      'KEDGE_OCI_DIGEST_MISMATCH',
      `${session.label}: pushed manifest ${digest} but the registry stored ${stored}`,
      session.context({ expected: digest, actual: stored }),
    );
  }
  return { mediaType, digest, size: bytes.byteLength };
}

/** Pushes an OCI index listing one image manifest per platform (what imageDigestGatter's per-arch digests name). */
export async function pushIndex(
  ref: string | ImageRef,
  manifests: readonly IndexEntry[],
  options: RegistryOptions = {},
): Promise<Descriptor> {
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: manifests.map((m) => ({
      mediaType: m.mediaType ?? MEDIA_TYPES.ociManifest,
      digest: m.digest,
      size: m.size,
      platform: m.platform,
    })),
  };
  return pushManifest(ref, index, options);
}
