// Makes sure a container's image is on the node, as kubelet's image manager
// does: imagePullPolicy Always pulls every time, IfNotPresent only when the
// runtime does not have it, Never never (ErrImageNeverPull); an image with no
// policy pulls Always when its tag is `latest` or missing, else IfNotPresent.
// A failed pull is ErrImagePull; until the back-off for that image (10 s
// doubling to 5 min) has passed, asking again answers ImagePullBackOff
// without pulling. Credentials come from the pod's imagePullSecrets
// (`kubernetes.io/dockerconfigjson`).
import { hasCode, secretValue } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { authForImage, parseDockerConfig, type CriAuth, type CriClient } from '../cri/index.ts';
import { RestartBackOff } from './restart-backoff.ts';
import { podNamespace, type Container, type EdgeObjectLookup, type EdgePod } from './pod-spec.ts';

const IMAGE_REASON = {
  errImagePull: 'ErrImagePull',
  imagePullBackOff: 'ImagePullBackOff',
  errImageNeverPull: 'ErrImageNeverPull',
} as const;

export type ImageResult = { ok: true } | { ok: false; reason: string; message: string };

export interface ImagePullerOptions {
  cri: CriClient;
  lookup: EdgeObjectLookup;
  clock: Clock;
  log: Logger;
  /** Shared by the node's pod workers; default: one of its own. */
  backoff?: RestartBackOff;
}

/** kubelet's default: Always for `:latest` or no tag (and no digest), else IfNotPresent. */
export function pullPolicy(
  c: Pick<Container, 'image' | 'imagePullPolicy'>,
): NonNullable<Container['imagePullPolicy']> {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  if (c.image.includes('@')) return 'IfNotPresent';
  const last = c.image.slice(c.image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export class ImagePuller {
  readonly #o: ImagePullerOptions;
  readonly #backoff: RestartBackOff;
  /** image -> when its last pull failed (ms). */
  readonly #failedAt = new Map<string, number>();

  constructor(o: ImagePullerOptions) {
    this.#o = o;
    this.#backoff = o.backoff ?? new RestartBackOff(o.clock);
  }

  async ensure(pod: EdgePod, c: Container, signal?: AbortSignal): Promise<ImageResult> {
    const policy = pullPolicy(c);
    if (policy !== 'Always') {
      const present = await this.#o.cri.imageStatus(c.image, signal ? { signal } : {});
      if (present) return { ok: true };
      if (policy === 'Never') {
        return {
          ok: false,
          reason: IMAGE_REASON.errImageNeverPull,
          message: `Container image "${c.image}" is not present with pull policy of Never`,
        };
      }
    }
    const key = `image/${c.image}`;
    const failedAt = this.#failedAt.get(key);
    if (failedAt !== undefined && this.#backoff.inBackOffSince(key, failedAt)) {
      return {
        ok: false,
        reason: IMAGE_REASON.imagePullBackOff,
        message: `Back-off pulling image "${c.image}"`,
      };
    }
    try {
      const auth = await this.#auth(pod, c.image);
      await this.#o.cri.pullImage(c.image, { ...(auth ? { auth } : {}), ...(signal ? { signal } : {}) });
      this.#failedAt.delete(key);
      this.#backoff.reset(key);
      this.#o.log.info({ image: c.image, container: c.name }, 'image pulled');
      return { ok: true };
    } catch (err: unknown) {
      if (signal?.aborted) throw err;
      this.#backoff.next(key);
      this.#failedAt.set(key, this.#o.clock.now());
      const detail =
        hasCode(err, 'KEDGE_CRI_ERROR') || hasCode(err, 'KEDGE_CRI_UNAVAILABLE')
          ? String((err as { context?: { detail?: string } }).context?.detail ?? (err as Error).message)
          : String((err as Error).message);
      this.#o.log.warn({ image: c.image, container: c.name, err }, 'image pull failed');
      return {
        ok: false,
        reason: IMAGE_REASON.errImagePull,
        message: `Failed to pull image "${c.image}": ${detail}`,
      };
    }
  }

  async #auth(pod: EdgePod, image: string): Promise<CriAuth | undefined> {
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      const secret = await this.#o.lookup.secret(podNamespace(pod), ref.name);
      const json = secret && secretValue(secret, '.dockerconfigjson');
      if (!json) continue;
      const auth = authForImage(parseDockerConfig(json, `secret ${podNamespace(pod)}/${ref.name}`), image);
      if (auth) return auth;
    }
    return undefined;
  }
}
