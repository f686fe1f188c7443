// One container of a pod (ContainerSpec) turned into the CRI ContainerConfig:
// command and args, env, bind mounts of host paths the caller prepared,
// resources as Linux cgroup limits the way kubelet computes them (cpu request
// -> shares, cpu limit -> CFS quota over a 100 ms period, memory limit ->
// bytes), and the log file under the sandbox's log directory.
import { isAbsolute } from 'node:path';
import { KedgeError } from '@kedge/api';
import { NAMESPACE_MODE, type WireContainerConfig, type WireLinuxResources } from '../../cri/index.ts';
import {
  POD_ANNOTATIONS,
  containerLabels,
  containerLogPath,
  sandboxAnnotations,
  type PodIdentity,
} from './pod-identity.ts';

export interface ContainerMountSpec {
  containerPath: string;
  /** Absolute path on the node; must exist (the caller prepares volumes). */
  hostPath: string;
  readOnly?: boolean;
}

export interface ContainerResourcesSpec {
  /** CPU request in millicores -> cpu.shares (relative weight). */
  cpuRequestMillis?: number;
  /** CPU limit in millicores -> CFS quota. */
  cpuLimitMillis?: number;
  /** Memory limit in bytes. */
  memoryLimitBytes?: number;
}

export interface ContainerSpec {
  name: string;
  /** The image as the runtime knows it (a pulled reference or its id). */
  image: string;
  /** Replaces the image's entrypoint; args replace its cmd. */
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value: string }[];
  mounts?: ContainerMountSpec[];
  resources?: ContainerResourcesSpec;
  /** Restart count of this container in this sandbox, 0 first. */
  attempt?: number;
  /** The container's annotations (kedge adds its attempt). */
  annotations?: Record<string, string>;
}

const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1000;

/** kubelet's arithmetic: shares = millis * 1024 / 1000 (at least 2), quota = millis * period / 1000 (at least 1 ms). */
export function linuxResources(r: ContainerResourcesSpec = {}): WireLinuxResources {
  const out: WireLinuxResources = {};
  if (r.cpuRequestMillis !== undefined) {
    out.cpuShares = Math.max(MIN_SHARES, Math.floor((r.cpuRequestMillis * 1024) / 1000));
  }
  if (r.cpuLimitMillis !== undefined) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(MIN_QUOTA_US, Math.floor((r.cpuLimitMillis * CPU_PERIOD_US) / 1000));
  }
  if (r.memoryLimitBytes !== undefined) out.memoryLimitInBytes = r.memoryLimitBytes;
  return out;
}

function problemsOf(spec: ContainerSpec): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(spec.name)) problems.push('name: not a DNS label');
  if (spec.image.trim() === '') problems.push('image: empty');
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    if (!isAbsolute(m.hostPath))
      problems.push(`mounts[${i}].hostPath: ${JSON.stringify(m.hostPath)} is not absolute`);
    if (!isAbsolute(m.containerPath)) {
      problems.push(`mounts[${i}].containerPath: ${JSON.stringify(m.containerPath)} is not absolute`);
    }
  }
  for (const [i, e] of (spec.env ?? []).entries()) {
    if (e.name === '' || e.name.includes('='))
      problems.push(`env[${i}].name: ${JSON.stringify(e.name)} is not a name`);
  }
  const r = spec.resources ?? {};
  for (const key of ['cpuRequestMillis', 'cpuLimitMillis', 'memoryLimitBytes'] as const) {
    const v = r[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
      problems.push(`resources.${key}: ${v} is not > 0`);
  }
  const attempt = spec.attempt ?? 0;
  if (!Number.isInteger(attempt) || attempt < 0) problems.push(`attempt: ${attempt} is not >= 0`);
  return problems;
}

/** Throws KEDGE_RESOURCE_INVALID naming every bad field. */
export function containerConfig(pod: PodIdentity, spec: ContainerSpec): WireContainerConfig {
  const problems = problemsOf(spec);
  if (problems.length > 0) {
    const resource = `${pod.namespace}/${pod.name}`;
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `pod ${resource} container ${spec.name}: ${problems.join('; ')}`,
      { resource, field: spec.name },
    );
  }
  const attempt = spec.attempt ?? 0;
  return {
    metadata: { name: spec.name, attempt },
    image: { image: spec.image },
    command: spec.command ?? [],
    args: spec.args ?? [],
    workingDir: spec.workingDir ?? '',
    envs: (spec.env ?? []).map((e) => ({ key: e.name, value: e.value })),
    mounts: (spec.mounts ?? []).map((m) => ({
      containerPath: m.containerPath,
      hostPath: m.hostPath,
      readonly: m.readOnly === true,
    })),
    labels: containerLabels(pod, spec.name),
    annotations: {
      ...spec.annotations,
      ...sandboxAnnotations(pod),
      [POD_ANNOTATIONS.containerAttempt]: String(attempt),
    },
    logPath: containerLogPath(spec.name, attempt),
    linux: {
      resources: linuxResources(spec.resources),
      securityContext: {
        namespaceOptions: {
          network: NAMESPACE_MODE.pod,
          pid: NAMESPACE_MODE.container,
          ipc: NAMESPACE_MODE.pod,
        },
      },
    },
  };
}
