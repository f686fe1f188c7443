// What the node-task actions need to know about this edgecore: its version,
// where it is installed, its config file and database, its container runtime
// and edge cache, and the tunables (load limits, trial window, lock wait,
// pre-pull back-off). Resolved once from the options.
import type { KeyObject } from 'node:crypto';
import { KedgeError, type NodeUpgradeJobSpec } from '@kedge/api';
import { DEFAULT_UNPACK_LIMITS, goArch, type RegistryOptions, type UnpackLimits } from '@kedge/oci';
import type { Clock } from '@kedge/runtime';
import { installLayout, type InstallLayout } from '@kedge/installer';
import type { MetaView } from '../../metamanager/index.ts';
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from './load-checks.ts';

export interface NodeTaskEnvOptions {
  /** The running edgecore version (edgecoreVersion()). */
  version: string;
  nodeName: string;
  /** $KEDGE_INSTALL_ROOT; undefined when edgecore does not run from an install root. */
  installRoot: string | undefined;
  /** The --config file edgecore runs with; undefined when started without one. */
  configFile: string | undefined;
  /** sha256 of the config bytes loaded at start (a config update on trial is recognised by it). */
  loadedConfigSha256: string | undefined;
  /** database.dataSource, for backups. */
  dataSource: string;
  clock: Clock;
  /** Image repository used when a NodeUpgradeJob sets no `image` (e.g. `registry.example:5000/kedge/installation-package`). */
  defaultImage?: string;
  /** Registry access for release pulls (Basic credentials, plain http). */
  registry?: Pick<RegistryOptions, 'auth' | 'insecure'>;
  /** Highest used % for the cpu / mem / disk checks (default 80 each). */
  limits?: Partial<LoadLimits>;
  /** Caps on what an upgrade release unpacks to (modules.taskManager.releaseLimits; default DEFAULT_UNPACK_LIMITS). */
  unpackLimits?: UnpackLimits;
  /** modules.taskManager.releasePublicKeyFile, loaded: releases need a signature this key verifies. */
  releasePublicKey?: KeyObject;
  /** How long a new version or config has to come up healthy and connected (default 120 s). */
  healthTimeoutMs?: number;
  /** How long an action waits for the install lock held by someone else (default 60 s). */
  lockTimeoutMs?: number;
  /** CPU sampling window of the cpu check (default 200 ms). */
  cpuSampleMs?: number;
  /** The CPU as images name it (default: this host's, amd64 / arm64 / ...). */
  arch?: string;
  /** modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint: the CRI socket image pre-pulls use. */
  containerRuntimeEndpoint?: string;
  /** The edge cache (metaManager), where the cloud puts an ImagePrePullJob's pull secret. */
  meta?: MetaView;
  /** ImagePrePullJob tunables (tests shorten them). */
  prePull?: Partial<PrePullTunables>;
}

interface PrePullTunables {
  /** Wait before the first retry of the images that failed; doubles per attempt (default 500 ms, KubeEdge's fixed delay). */
  backoffMs: number;
  /** Longest wait between attempts (default 30 s). */
  maxBackoffMs: number;
  /** How long Check waits for the pull secret to reach the edge cache (default 10 s). */
  secretWaitMs: number;
  /** Least time between two progress reports within an attempt (default 1 s). */
  progressIntervalMs: number;
  /** Deadline of the runtime's Version call in Check (default 5 s). */
  versionTimeoutMs: number;
}

const DEFAULT_PREPULL_TUNABLES: Readonly<PrePullTunables> = Object.freeze({
  backoffMs: 500,
  maxBackoffMs: 30_000,
  secretWaitMs: 10_000,
  progressIntervalMs: 1000,
  versionTimeoutMs: 5000,
});

const DEFAULT_CRI_ENDPOINT = 'unix:///run/containerd/containerd.sock';

export interface NodeTaskEnv {
  readonly version: string;
  readonly nodeName: string;
  readonly installRoot: string | undefined;
  readonly configFile: string | undefined;
  readonly loadedConfigSha256: string | undefined;
  readonly dataSource: string;
  readonly clock: Clock;
  readonly defaultImage: string | undefined;
  readonly registry: Pick<RegistryOptions, 'auth' | 'insecure'>;
  readonly limits: LoadLimits;
  readonly unpackLimits: UnpackLimits;
  readonly releasePublicKey: KeyObject | undefined;
  readonly healthTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly cpuSampleMs: number | undefined;
  readonly arch: string;
  readonly containerRuntimeEndpoint: string;
  readonly meta: MetaView | undefined;
  readonly prePull: PrePullTunables;
}

export function resolveNodeTaskEnv(o: NodeTaskEnvOptions): NodeTaskEnv {
  return Object.freeze({
    version: o.version,
    nodeName: o.nodeName,
    installRoot: o.installRoot || undefined,
    configFile: o.configFile || undefined,
    loadedConfigSha256: o.loadedConfigSha256,
    dataSource: o.dataSource,
    clock: o.clock,
    defaultImage: o.defaultImage,
    registry: o.registry ?? {},
    limits: { ...DEFAULT_LOAD_LIMITS, ...o.limits },
    unpackLimits: o.unpackLimits ?? DEFAULT_UNPACK_LIMITS,
    releasePublicKey: o.releasePublicKey,
    healthTimeoutMs: o.healthTimeoutMs ?? 120_000,
    lockTimeoutMs: o.lockTimeoutMs ?? 60_000,
    cpuSampleMs: o.cpuSampleMs,
    arch: o.arch ?? goArch(),
    containerRuntimeEndpoint: o.containerRuntimeEndpoint || DEFAULT_CRI_ENDPOINT,
    meta: o.meta,
    prePull: { ...DEFAULT_PREPULL_TUNABLES, ...o.prePull },
  });
}

export const NOT_INSTALLED_REASON =
  'edgecore is not running from an install root; install it with keadm edge install';

/** The install layout, or KEDGE_TASK_ACTION_FAILED when edgecore does not run from one. */
export function requireLayout(env: NodeTaskEnv): InstallLayout {
  if (env.installRoot === undefined) throw new KedgeError('KEDGE_TASK_ACTION_FAILED', NOT_INSTALLED_REASON);
  return installLayout(env.installRoot);
}

/** The config file, or KEDGE_TASK_ACTION_FAILED when edgecore runs without one. */
export function requireConfigFile(env: NodeTaskEnv): string {
  if (env.configFile === undefined) {
    throw new KedgeError(
      'KEDGE_TASK_ACTION_FAILED',
      'edgecore runs without --config; there is no config file to back up or update',
    );
  }
  return env.configFile;
}

/** `<image>:<version>`, the release to install; undefined when neither the job nor this node names an image. */
export function releaseRef(
  spec: Pick<NodeUpgradeJobSpec, 'image' | 'version'>,
  env: NodeTaskEnv,
): string | undefined {
  const image = spec.image ?? env.defaultImage;
  return image ? `${image}:${spec.version}` : undefined;
}
