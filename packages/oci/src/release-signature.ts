// Release signatures: the publisher signs the digest of a release (the
// `sha256:...` string the tag names, or the one a job pins) with an ed25519 or
// ECDSA key and pushes the signature beside the release, as the single layer
// of an artifact tagged `sha256-<hex>.sig` (cosign's naming). A node that has
// the public key installs a release only when a signature for exactly its
// pinned digest verifies: a registry can serve bytes, it cannot sign them.
import { verify, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { digestAlgorithm } from './digest.ts';
import { toImageRef, type ImageRef } from './image-ref.ts';
import { MEDIA_TYPES } from './manifest.ts';
import { pullBlob } from './pull-blob.ts';
import { pullManifest } from './pull-manifest.ts';
import { pushBlob, pushManifest } from './push.ts';
import type { RegistryOptions } from './registry-session.ts';

/** A signature is a few dozen bytes; anything bigger is not one. */
const MAX_SIGNATURE_BYTES = 4096;
export const SIGNATURE_MEDIA_TYPE = 'application/vnd.kedge.release.signature.v1';

/** `sha256:abc...` -> `sha256-abc....sig`: the tag holding the signature of that digest. */
export function signatureTag(digest: string): string {
  digestAlgorithm(digest);
  return `${digest.replace(':', '-')}.sig`;
}

function signatureRef(ref: string | ImageRef, digest: string): ImageRef {
  const { registry, repository } = toImageRef(ref);
  return { registry, repository, tag: signatureTag(digest) };
}

/** Pushes `signature` (of `digest`) to the repository of `ref`. */
export async function pushReleaseSignature(
  ref: string | ImageRef,
  digest: string,
  signature: Uint8Array,
  options: RegistryOptions = {},
): Promise<void> {
  const target = signatureRef(ref, digest);
  const layer = await pushBlob(target, signature, options);
  const config = await pushBlob(target, Buffer.from('{}'), options);
  await pushManifest(
    target,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: SIGNATURE_MEDIA_TYPE, digest: layer.digest, size: layer.size }],
    },
    options,
  );
}

/** Throws KEDGE_RELEASE_SIGNATURE_INVALID unless the repository holds a signature of `digest` that `key` verifies. */
export async function verifyReleaseSignature(
  ref: string | ImageRef,
  digest: string,
  key: KeyObject,
  options: RegistryOptions = {},
): Promise<void> {
  const target = signatureRef(ref, digest);
  const where = `${target.registry}/${target.repository}:${target.tag ?? ''}`;
  const refuse = (why: string, cause?: unknown): KedgeError =>
    new KedgeError(
      'KEDGE_RELEASE_SIGNATURE_INVALID',
      `release ${digest}: ${why} (signature ${where}); not installed`,
      { digest },
      cause === undefined ? undefined : { cause },
    );
  let signature: Buffer;
  try {
    signature = await fetchSignature(target, options);
  } catch (err: unknown) {
    if (options.signal?.aborted) throw err;
    throw refuse(`no signature could be read: ${errorMessage(err)}`, err);
  }
  const algorithm =
    key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : 'sha256';
  let ok = false;
  try {
    ok = verify(algorithm, Buffer.from(digest, 'utf8'), key, signature);
  } catch (err: unknown) {
    throw refuse(`the signature cannot be checked with the configured key: ${errorMessage(err)}`, err);
  }
  if (!ok) throw refuse('the signature does not verify with the configured public key');
}

async function fetchSignature(target: ImageRef, options: RegistryOptions): Promise<Buffer> {
  const { manifest } = await pullManifest(target, options);
  const layer = manifest.layers[0];
  if (manifest.layers.length !== 1 || layer === undefined || layer.size > MAX_SIGNATURE_BYTES) {
    throw new KedgeError(
      'KEDGE_OCI_MANIFEST_INVALID',
      `the signature artifact must hold one layer of at most ${MAX_SIGNATURE_BYTES} bytes`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'kedge-signature-'));
  try {
    const file = join(dir, 'signature');
    await pullBlob(target, layer.digest, file, { ...options, size: layer.size });
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
