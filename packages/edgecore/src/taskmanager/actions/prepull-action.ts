// PrePull for ImagePrePullJob: every image of the job into the node's
// container runtime over CRI. An image the runtime already has is True at
// once (ImageStatus; no pull). The others are pulled one by one with the
// credentials of the job's pull secret for their registry; the images that
// failed, and only those, are tried again after a back-off that doubles
// (retryTimes extra attempts). While it runs, the per-image results so far
// go to the cloud as progress (UpdateNodeActionProgress); the final report
// carries all of them: succ when every image is True, the reason lists each
// failed image and why, extend the JSON [{image, status, reason}].
import { errorMessage, hasCode, type ImageStatus } from '@kedge/api';
import { CriClient, authForImage, type RegistryCredentials } from '../../cri/index.ts';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import type { NodeTaskEnv } from './node-task-env.ts';
import { loadPullCredentials } from './pull-secret.ts';
import { imagePrePullTemplate } from './task-spec.ts';

interface ImageResult {
  ok: boolean;
  /** Why the last attempt failed. */
  why?: string;
  /** Pull attempts made (0: the runtime had the image). */
  attempts: number;
}

export function prePullAction(env: NodeTaskEnv): TaskAction {
  return {
    async run(ctx: ActionContext): Promise<ActionOutcome> {
      const spec = imagePrePullTemplate(ctx.task);
      const images = [...new Set(spec.images)];
      const maxAttempts = (spec.retryTimes ?? 0) + 1;
      const results = new Map<string, ImageResult>();
      const list = (final: boolean): ImageStatus[] => statusList(images, results, maxAttempts, final);

      let creds: RegistryCredentials = new Map();
      if (spec.imageSecrets) {
        try {
          creds = await loadPullCredentials(spec.imageSecrets, {
            meta: env.meta,
            clock: env.clock,
            waitMs: env.prePull.secretWaitMs,
            signal: ctx.signal,
          });
        } catch (err: unknown) {
          if (ctx.signal.aborted) throw err;
          // Without its credentials no image is pulled: each says why.
          for (const image of images) results.set(image, { ok: false, why: errorMessage(err), attempts: 0 });
          return outcome(list(true));
        }
      }

      let lastProgress = Number.NEGATIVE_INFINITY;
      const progress = (force: boolean): void => {
        const now = env.clock.now();
        if (!force && now - lastProgress < env.prePull.progressIntervalMs) return;
        lastProgress = now;
        ctx.progress(JSON.stringify(list(false)));
      };

      const client = new CriClient({ endpoint: env.containerRuntimeEndpoint });
      try {
        let pending = await absentImages(client, images, results, ctx);
        if (results.size > 0) progress(false);
        for (let attempt = 1; pending.length > 0; attempt++) {
          for (const image of pending) {
            results.set(image, await pullOnce(env, client, image, authForImage(creds, image), attempt, ctx));
            progress(false);
          }
          pending = pending.filter((image) => results.get(image)?.ok === false);
          if (pending.length === 0 || attempt >= maxAttempts) break;
          const waitMs = Math.min(env.prePull.maxBackoffMs, env.prePull.backoffMs * 2 ** (attempt - 1));
          ctx.log.info({ images: pending, attempt, waitMs }, 'retrying the images that failed');
          progress(true); // the failures so far are visible during the back-off
          await env.clock.sleep(waitMs, ctx.signal);
        }
      } finally {
        client.close();
      }
      return outcome(list(true));
    },
  };
}

/** Records the images the runtime has already; returns the others, in order. */
async function absentImages(
  client: CriClient,
  images: readonly string[],
  results: Map<string, ImageResult>,
  ctx: ActionContext,
): Promise<string[]> {
  const absent: string[] = [];
  for (const image of images) {
    try {
      const present = await client.imageStatus(image, { signal: ctx.signal });
      if (present) {
        ctx.log.info({ image, id: present.id }, 'image already present; not pulled');
        results.set(image, { ok: true, attempts: 0 });
        continue;
      }
    } catch (err: unknown) {
      if (ctx.signal.aborted) throw err;
      // The pull says what is wrong (bad reference, runtime gone) in the image's own words.
      ctx.log.warn({ image, err: errorMessage(err) }, 'image status failed; pulling');
    }
    absent.push(image);
  }
  return absent;
}

async function pullOnce(
  env: NodeTaskEnv,
  client: CriClient,
  image: string,
  auth: ReturnType<typeof authForImage>,
  attempt: number,
  ctx: ActionContext,
): Promise<ImageResult> {
  const started = env.clock.now();
  try {
    const ref = await client.pullImage(image, { signal: ctx.signal, ...(auth ? { auth } : {}) });
    ctx.log.info(
      { image, ref, attempt, ms: env.clock.now() - started, auth: auth !== undefined },
      'image pulled',
    );
    return { ok: true, attempts: attempt };
  } catch (err: unknown) {
    if (ctx.signal.aborted) throw err;
    const why = pullFailure(err);
    ctx.log.warn({ image, attempt, err: why }, 'image pull failed');
    return { ok: false, why, attempts: attempt };
  }
}

/** The runtime's words for a failed call; an unreachable runtime keeps the socket in the message. */
function pullFailure(err: unknown): string {
  if (hasCode(err, 'KEDGE_CRI_ERROR') && typeof err.context['detail'] === 'string')
    return err.context['detail'];
  return errorMessage(err);
}

/** Per-image status in the job's order; `final` = the action is over (no "retrying"). */
function statusList(
  images: readonly string[],
  results: ReadonlyMap<string, ImageResult>,
  maxAttempts: number,
  final: boolean,
): ImageStatus[] {
  const out: ImageStatus[] = [];
  for (const image of images) {
    const r = results.get(image);
    if (!r) continue;
    if (r.ok) {
      out.push({ image, status: 'True' });
      continue;
    }
    const why = r.why ?? 'no reason given';
    let reason = why;
    if (!final && r.attempts < maxAttempts)
      reason = `attempt ${r.attempts} of ${maxAttempts} failed, retrying: ${why}`;
    else if (r.attempts > 1) reason = `failed ${r.attempts} times: ${why}`;
    out.push({ image, status: 'False', reason });
  }
  return out;
}

function outcome(list: ImageStatus[]): ActionOutcome {
  const extend = JSON.stringify(list);
  const failed = list.filter((s) => s.status === 'False');
  if (failed.length === 0) return finished(true, '', extend);
  const which = failed.map((s) => `${s.image}: ${s.reason ?? 'no reason given'}`).join('; ');
  return finished(false, `${failed.length} of ${list.length} images failed to pull: ${which}`, extend);
}
