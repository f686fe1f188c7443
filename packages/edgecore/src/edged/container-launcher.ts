// Starts one container of a pod, the way kubelet's startContainer goes:
// image (ImagePuller), volumes prepared, env resolved, command and args
// expanded, resources turned into cgroup limits, then create + start through
// PodRuntime. What stops it is answered as a waiting reason (ErrImagePull,
// ImagePullBackOff, ErrImageNeverPull, CreateContainerConfigError,
// CreateContainerError, RunContainerError), never thrown, so the pod worker can put it in the
// status and try again on a later sync.
import { errorMessage, hasCode } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { containerSpecHash } from './container-hash.ts';
import { ContainerConfigError, EnvResolver, expandCommand, type PodRuntimeFacts } from './env-resolver.ts';
import type { ImagePuller } from './image-puller.ts';
import type { PodVolumes } from './pod-volumes.ts';
import {
  POD_ANNOTATIONS,
  type ContainerResourcesSpec,
  type PodRuntime,
  type PodSandboxSpec,
} from './runtime/index.ts';
import type { Container, EdgeObjectLookup, EdgePod } from './pod-spec.ts';

export type LaunchResult =
  | { ok: true; id: string }
  /** `id`: the container was created but did not start (the runtime keeps it, exited). */
  | { ok: false; reason: string; message: string; id?: string };

export interface ContainerLauncherOptions {
  runtime: PodRuntime;
  images: ImagePuller;
  volumes: PodVolumes;
  lookup: EdgeObjectLookup;
  log: Logger;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A memory quantity (`64Mi`, `1G`, `1048576`) in bytes; undefined when not one. */
export function memoryBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q).trim());
  if (!m) return undefined;
  const unit = m[2] ?? '';
  return Math.ceil(Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

/** A cpu quantity (`250m`, `0.5`, `2`) in millicores; undefined when not one. */
export function cpuMillis(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q).trim());
  if (!m) return undefined;
  return Math.ceil(m[2] ? Number(m[1]) : Number(m[1]) * 1000);
}

export function resourcesOf(c: Container): ContainerResourcesSpec {
  const r = c.resources ?? {};
  const out: ContainerResourcesSpec = {};
  const bad: string[] = [];
  const set = (
    key: keyof ContainerResourcesSpec,
    value: string | number | undefined,
    parse: typeof cpuMillis,
    field: string,
  ): void => {
    if (value === undefined) return;
    const v = parse(value);
    if (v === undefined || v <= 0) bad.push(`${field}: ${JSON.stringify(value)} is not a quantity`);
    else out[key] = v;
  };
  // A cpu request defaults to the limit, as the API server does.
  set('cpuRequestMillis', r.requests?.['cpu'] ?? r.limits?.['cpu'], cpuMillis, 'resources.requests.cpu');
  set('cpuLimitMillis', r.limits?.['cpu'], cpuMillis, 'resources.limits.cpu');
  set('memoryLimitBytes', r.limits?.['memory'], memoryBytes, 'resources.limits.memory');
  if (bad.length > 0) throw new ContainerConfigError(`container ${c.name}: ${bad.join('; ')}`);
  return out;
}

export class ContainerLauncher {
  readonly #o: ContainerLauncherOptions;
  readonly #env: EnvResolver;

  constructor(o: ContainerLauncherOptions) {
    this.#o = o;
    this.#env = new EnvResolver(o.lookup);
  }

  async launch(
    pod: EdgePod,
    c: Container,
    attempt: number,
    sandbox: { id: string; spec: PodSandboxSpec },
    facts: PodRuntimeFacts,
    signal?: AbortSignal,
  ): Promise<LaunchResult> {
    const image = await this.#o.images.ensure(pod, c, signal);
    if (!image.ok) return image;
    let spec;
    try {
      const paths = await this.#o.volumes.prepare(pod, facts);
      const env = await this.#env.resolve(pod, c, facts);
      spec = {
        name: c.name,
        image: c.image,
        ...expandCommand(c, env),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        env: [...env].map(([name, value]) => ({ name, value })),
        mounts: this.#o.volumes.mounts(c, paths),
        resources: resourcesOf(c),
        attempt,
        annotations: { [POD_ANNOTATIONS.containerHash]: containerSpecHash(c) },
      };
    } catch (err: unknown) {
      if (err instanceof ContainerConfigError) return { ok: false, reason: err.reason, message: err.message };
      throw err;
    }
    try {
      const id = await this.#o.runtime.startContainer(
        sandbox.id,
        sandbox.spec,
        spec,
        signal ? { signal } : {},
      );
      return { ok: true, id };
    } catch (err: unknown) {
      if (signal?.aborted) throw err;
      this.#o.log.warn({ container: c.name, attempt, err }, 'container not started');
      if (hasCode(err, 'KEDGE_RESOURCE_INVALID')) {
        return { ok: false, reason: 'CreateContainerConfigError', message: errorMessage(err) };
      }
      // Created but not started (a bad command): kubelet's RunContainerError, and the container to count.
      const created = (await this.#o.runtime.listPods(sandbox.spec.pod).catch(() => []))
        .flatMap((p) => p.containers)
        .find((x) => x.sandboxId === sandbox.id && x.name === c.name && x.attempt === attempt);
      const reason = created ? 'RunContainerError' : 'CreateContainerError';
      return { ok: false, reason, message: errorMessage(err), ...(created ? { id: created.id } : {}) };
    }
  }
}
