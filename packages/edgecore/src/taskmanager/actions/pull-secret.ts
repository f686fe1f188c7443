// An ImagePrePullJob's pull secret (`imageSecrets`: "<namespace>/<name>"),
// read from the edge cache. The cloud sends the Secret through the tunnel
// (resource message `insert <ns>/secret/<name>`, stored by metaManager) just
// before the task, so it may arrive a moment after the task does: the read
// waits for it a little. The credentials live only in the cache and in
// memory while pulling; no reason or log line carries them.
import { KedgeError, SecretSchema, edgeResource, secretValue } from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import { parseDockerConfig, type RegistryCredentials } from '../../cri/index.ts';
import type { MetaView } from '../../metamanager/index.ts';

const DOCKER_CONFIG_KEY = '.dockerconfigjson';

export interface PullSecretOptions {
  meta: MetaView | undefined;
  clock: Clock;
  /** How long to wait for the secret to reach the cache. */
  waitMs: number;
  signal?: AbortSignal;
}

/** The registry credentials of `ref` ("ns/name"); KEDGE_TASK_ACTION_FAILED naming the secret when unusable. */
export async function loadPullCredentials(ref: string, o: PullSecretOptions): Promise<RegistryCredentials> {
  const [namespace = '', name = ''] = ref.split('/');
  const what = `imageSecrets ${ref}`;
  if (!o.meta) throw failed(`${what}: this edgecore has no edge cache to read it from`);
  const key = edgeResource(namespace, 'secret', name);
  const deadline = o.clock.now() + o.waitMs;
  let entry = o.meta.get(key);
  while (!entry && o.clock.now() < deadline) {
    await o.clock.sleep(Math.min(100, Math.max(1, deadline - o.clock.now())), o.signal);
    entry = o.meta.get(key);
  }
  if (!entry) {
    throw failed(
      `${what}: not in the edge cache after ${seconds(o.waitMs)} ` +
        '(the cloud sends it with the task; does the Secret exist?)',
    );
  }
  const secret = SecretSchema.safeParse(entry.value);
  if (!secret.success) throw failed(`${what}: the cached object is not a Secret`);
  const text = secretValue(secret.data, DOCKER_CONFIG_KEY);
  if (text === undefined) {
    throw failed(`${what}: has no ${DOCKER_CONFIG_KEY} key (type ${secret.data.type ?? 'unset'})`);
  }
  try {
    return parseDockerConfig(text, what);
  } catch (err: unknown) {
    throw failed(err instanceof Error ? err.message : String(err));
  }
}

function failed(message: string): KedgeError {
  return new KedgeError('KEDGE_TASK_ACTION_FAILED', message);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
