// Downloads one blob to a file, hashing while it streams. A blob that does not
// hash to its digest (or has the wrong size) is deleted and reported with both
// digests; so is a partial file left by a failed download.
import { open, rm } from 'node:fs/promises';
import { KedgeError, isKedgeError } from '@kedge/api';
import { Digester, digestAlgorithm } from './digest.ts';
import { toImageRef, type ImageRef } from './image-ref.ts';
import { RegistrySession, type RegistryOptions } from './registry-session.ts';

export interface PullBlobOptions extends RegistryOptions {
  /** Expected size in bytes (from the descriptor): a blob that is longer is cut off and reported. */
  size?: number;
  /** Called with the bytes received so far, for progress. */
  onBytes?: (received: number) => void;
}

export interface PulledBlob {
  digest: string;
  size: number;
  file: string;
}

export async function pullBlob(
  ref: string | ImageRef,
  digest: string,
  destFile: string,
  options: PullBlobOptions = {},
): Promise<PulledBlob> {
  return downloadBlob(new RegistrySession(toImageRef(ref), options), digest, destFile, options);
}

/** pullBlob within an open session. */
export async function downloadBlob(
  session: RegistrySession,
  digest: string,
  destFile: string,
  options: Pick<PullBlobOptions, 'size' | 'onBytes'> = {},
): Promise<PulledBlob> {
  const digester = new Digester(digestAlgorithm(digest));
  const what = `GET blob ${digest}`;
  const res = await session.expect({ method: 'GET', url: session.repoPath(`blobs/${digest}`), what }, [200]);
  const file = await open(destFile, 'w');
  try {
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        digester.update(chunk);
        if (options.size !== undefined && digester.size > options.size) {
          await res.body.cancel();
          throw mismatch(session, digest, destFile, `more than the expected ${options.size} bytes`);
        }
        await file.write(chunk);
        options.onBytes?.(digester.size);
      }
    }
    await file.close();
  } catch (err: unknown) {
    await file.close().catch(() => undefined); // already closed or failing: the rm below is what matters
    await rm(destFile, { force: true });
    if (isKedgeError(err) || session.signal?.aborted) throw err;
    throw new KedgeError(
      'KEDGE_OCI_REGISTRY_ERROR',
      `${session.label}: ${what}: download failed after ${digester.size} bytes: ${
        err instanceof Error ? err.message : String(err)
      }`,
      session.context({ digest, file: destFile }),
      { cause: err },
    );
  }
  const actual = digester.digest();
  if (actual !== digest) {
    await rm(destFile, { force: true });
    throw mismatch(session, digest, destFile, `got ${actual} (${digester.size} bytes)`);
  }
  if (options.size !== undefined && digester.size !== options.size) {
    await rm(destFile, { force: true });
    throw mismatch(
      session,
      digest,
      destFile,
      `${digester.size} bytes instead of the expected ${options.size}`,
    );
  }
  return { digest, size: digester.size, file: destFile };
}

function mismatch(session: RegistrySession, expected: string, file: string, got: string): KedgeError {
  return new KedgeError(
    'KEDGE_OCI_DIGEST_MISMATCH',
    `${session.label}: blob expected digest ${expected}, ${got}; deleted ${file}`,
    session.context({ expected, file }),
  );
}
