// How much a release may unpack to: a total of file bytes and a number of
// entries over all its layers. A compressed layer can expand a thousandfold
// (a gzip bomb), so the entries are counted while they are listed, before
// anything is written, and the listing stops at the first entry over a limit.
import { KedgeError, type ErrorContext } from '@kedge/api';
import type { TarEntry } from './tar-entries.ts';

export interface UnpackLimits {
  /** Largest total size of the files a release unpacks to (bytes). */
  maxBytes: number;
  /** Most entries (files, directories, links) a release may hold. */
  maxFiles: number;
}

/** A release is edgecore, keadm and their node_modules: tens of MB and at most a few thousand files. */
export const DEFAULT_UNPACK_LIMITS: Readonly<UnpackLimits> = Object.freeze({
  maxBytes: 256 * 1024 * 1024,
  maxFiles: 10_000,
});

export class UnpackBudget {
  readonly #limits: UnpackLimits;
  readonly #label: string;
  readonly #context: ErrorContext;
  #bytes = 0;
  #files = 0;

  constructor(limits: UnpackLimits, label: string, context: ErrorContext) {
    this.#limits = limits;
    this.#label = label;
    this.#context = context;
  }

  /** Counts one entry; throws KEDGE_OCI_RELEASE_TOO_LARGE naming the limit it crosses. */
  count(entry: TarEntry, layer: string): void {
    this.#files += 1;
    this.#bytes += entry.size;
    const { maxBytes, maxFiles } = this.#limits;
    if (this.#files > maxFiles) {
      throw this.#tooLarge(`more than ${maxFiles} entries (limit maxFiles)`, layer, 'maxFiles');
    }
    if (this.#bytes > maxBytes) {
      throw this.#tooLarge(
        `more than ${maxBytes} bytes unpacked (limit maxBytes; reached at "${entry.path}")`,
        layer,
        'maxBytes',
      );
    }
  }

  #tooLarge(what: string, layer: string, limit: string): KedgeError {
    return new KedgeError(
      'KEDGE_OCI_RELEASE_TOO_LARGE',
      `${this.#label}: layer ${layer} unpacks to ${what}; refusing to unpack`,
      { ...this.#context, digest: layer, limit },
    );
  }
}
