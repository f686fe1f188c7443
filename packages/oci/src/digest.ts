// Content digests `<algorithm>:<hex>` as the OCI image spec defines them;
// sha256 (what every registry uses) and sha512.
import { createHash, type Hash } from 'node:crypto';
import { KedgeError } from '@kedge/api';

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export type DigestAlgorithm = 'sha256' | 'sha512';

export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

export function digestAlgorithm(digest: string): DigestAlgorithm {
  if (!isDigest(digest)) {
    throw new KedgeError(
      'KEDGE_OCI_REF_INVALID',
      `digest "${digest}" is not sha256:<64 hex> or sha512:<128 hex>`,
      {
        digest,
      },
    );
  }
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** A running hash that also counts bytes, for content streamed to disk. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  readonly #hash: Hash;
  #size = 0;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.byteLength;
  }

  get size(): number {
    return this.#size;
  }

  /** Call once, after the last update. */
  digest(): string {
    return `${this.algorithm}:${this.#hash.digest('hex')}`;
  }
}
