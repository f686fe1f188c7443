// Pins a NodeUpgradeJob's release when the job starts: the tag
// `<image>:<version>` is resolved to a digest at the registry once, here, and
// recorded in the job (annotation operations.kedge.io/release-pin). Nodes get
// that digest and refuse any other manifest, so re-pushing the tag after the
// job started (or a registry serving different content) installs nothing.
// A job that pins its own digests (spec.imageDigestGatter) is left as it is.
import { errorMessage, type NodeTaskJob, type NodeUpgradeJob, RELEASE_PIN_ANNOTATION } from '@kedge/api';
import { resolveDigest, type RegistryOptions } from '@kedge/oci';

export interface ReleasePinOptions {
  /** Repository used when a job sets no spec.image (nodeTask.defaultReleaseImage). */
  defaultImage: string;
  /** Registry access (nodeTask.releaseRegistry). */
  registry: Pick<RegistryOptions, 'auth' | 'insecure'>;
  /** Abandon a registry that does not answer (default 10 s). */
  timeoutMs?: number;
}

export type PinResult = { kind: 'pinned'; pin: string } | { kind: 'failed'; reason: string };

/** A NodeUpgradeJob that has neither a pin nor digests of its own. */
export function needsReleasePin(job: NodeTaskJob): job is NodeUpgradeJob {
  if (job.kind !== 'NodeUpgradeJob') return false;
  if (job.metadata.annotations?.[RELEASE_PIN_ANNOTATION] !== undefined) return false;
  const own = job.spec.imageDigestGatter as
    { amd64?: string; arm64?: string; value?: string } | null | undefined;
  return !(own?.amd64 || own?.arm64 || own?.value); // v1alpha1's `value` pins every CPU
}

export class ReleasePinner {
  readonly #o: ReleasePinOptions;

  constructor(options: ReleasePinOptions) {
    this.#o = options;
  }

  /** Resolves `<image>:<version>`; a failure says what could not be resolved and how to go on. */
  async resolve(job: NodeUpgradeJob, signal: AbortSignal): Promise<PinResult> {
    const image = job.spec.image ?? this.#o.defaultImage;
    if (!image) {
      return {
        kind: 'failed',
        reason:
          'KEDGE_RELEASE_UNPINNED: spec.image is not set and controllermanager nodeTask.defaultReleaseImage is empty; ' +
          'set spec.image (or pin spec.imageDigestGatter)',
      };
    }
    const ref = `${image}:${job.spec.version}`;
    const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 10_000);
    try {
      const { digest } = await resolveDigest(ref, {
        ...this.#o.registry,
        signal: AbortSignal.any([signal, timeout]),
      });
      return { kind: 'pinned', pin: `${image}@${digest}` };
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      return {
        kind: 'failed',
        reason:
          `KEDGE_RELEASE_UNPINNED: cannot resolve the release ${ref} to pin its digest` +
          `${typeof code === 'string' ? ` (${code})` : ''}: ${errorMessage(err)}; ` +
          'make the registry reachable from controllermanager (nodeTask.releaseRegistry) or pin spec.imageDigestGatter',
      };
    }
  }
}

/** The job with its pin recorded; undefined when it has one already. */
export function withReleasePin<J extends NodeTaskJob>(job: J, pin: string): J | undefined {
  if (job.metadata.annotations?.[RELEASE_PIN_ANNOTATION] !== undefined) return undefined;
  return {
    ...job,
    metadata: {
      ...job.metadata,
      annotations: { ...job.metadata.annotations, [RELEASE_PIN_ANNOTATION]: pin },
    },
  };
}
