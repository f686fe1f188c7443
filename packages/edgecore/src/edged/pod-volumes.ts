// A pod's volumes as host directories a container bind-mounts, laid out as
// kubelet does under `<podsDir>/<uid>/volumes/<plugin>/<name>`: emptyDir (an
// empty directory, 0777, kept for the pod's life), configMap and downwardAPI (files
// written from the looked-up object / the pod's metadata, 0644), secret
// (files 0400 in a 0700 directory under `secretsDir`, meant to be a tmpfs
// such as /run, so secrets never reach the disk), hostPath (only paths under
// one of `allowedHostPaths`, symlinks resolved, so a pod cannot mount the
// node's / or /etc). A volume that cannot be prepared throws
// ContainerConfigError naming it.
import { chmod, mkdir, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { secretValue } from '@kedge/api';
import { ContainerConfigError, fieldRefValue, type PodRuntimeFacts } from './env-resolver.ts';
import type { ContainerMountSpec } from './runtime/index.ts';
import {
  SERVICE_ACCOUNT_VOLUME,
  addsServiceAccountVolume,
  projectedFiles,
  projectedSources,
  serviceAccountFiles,
  serviceAccountMount,
} from './service-account-volume.ts';
import {
  podNamespace,
  type Container,
  type EdgeObjectLookup,
  type EdgePod,
  type KeyToPath,
  type Volume,
} from './pod-spec.ts';

export interface PodVolumesOptions {
  /** kubelet's `/var/lib/kubelet/pods`. */
  podsDir: string;
  /** Where secret volumes live; a tmpfs (e.g. `/run/kedge/secrets`). */
  secretsDir: string;
  /** Absolute host path prefixes a hostPath volume may name; empty: no hostPath volumes. */
  allowedHostPaths: readonly string[];
  lookup: EdgeObjectLookup;
}

/** A relative path inside a volume: no absolute path, no `..`. */
function safeRelative(path: string, what: string): string {
  const n = normalize(path);
  if (path === '' || isAbsolute(path) || n === '..' || n.startsWith(`..${sep}`)) {
    throw new ContainerConfigError(`${what}: ${JSON.stringify(path)} must be a relative path without ".."`);
  }
  return n;
}

function under(path: string, prefix: string): boolean {
  const p = resolve(prefix);
  return path === p || path.startsWith(p.endsWith(sep) ? p : p + sep);
}

/**
 * Writes the volume's files into `dir`, each atomically (a temporary file
 * renamed over the old one), and removes what the object no longer has, so a
 * running container that mounts `dir` sees every file either old or new.
 */
async function writeFiles(
  dir: string,
  files: Map<string, string>,
  mode: number,
  dirMode = 0o755,
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: dirMode });
  const top = new Set([...files.keys()].map((path) => path.split(sep)[0]));
  for (const entry of await readdir(dir)) {
    // `..*.partial`: another write of this volume in progress.
    if (!top.has(entry) && !entry.startsWith('..'))
      await rm(join(dir, entry), { recursive: true, force: true });
  }
  for (const [path, content] of files) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true, mode: dirMode });
    const partial = join(dirname(file), `..${basename(file)}.partial`);
    await writeFile(partial, content, { mode });
    // writeFile's mode is cut by the umask; the volume's defaultMode is exact.
    await chmod(partial, mode);
    await rename(partial, file);
  }
}

function projected(
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
  what: string,
): Map<string, string> {
  const files = new Map<string, string>();
  if (!items) for (const [k, v] of Object.entries(data)) files.set(safeRelative(k, what), v);
  for (const item of items ?? []) {
    const v = data[item.key];
    if (v === undefined) throw new ContainerConfigError(`${what}: key ${item.key} not found`);
    files.set(safeRelative(item.path, `${what} items`), v);
  }
  return files;
}

/** Go's %q-ish quoting kubelet uses for downward API label files: `key="value"` lines, sorted. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? '')}`)
    .join('\n');
}

export class PodVolumes {
  readonly #o: PodVolumesOptions;

  constructor(o: PodVolumesOptions) {
    this.#o = o;
  }

  podDir(pod: EdgePod): string {
    return join(this.#o.podsDir, pod.metadata.uid ?? '');
  }

  /** Prepares every volume of the pod; resolves with volume name -> host path. */
  async prepare(pod: EdgePod, facts: PodRuntimeFacts): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    for (const v of pod.spec.volumes ?? []) paths.set(v.name, await this.#prepare(pod, v, facts));
    if (addsServiceAccountVolume(pod) && this.#o.lookup.serviceAccountToken) {
      const dir = join(this.#o.secretsDir, pod.metadata.uid ?? '', SERVICE_ACCOUNT_VOLUME);
      const files = await serviceAccountFiles(pod, this.#o.lookup);
      await writeFiles(dir, files, 0o644);
      paths.set(SERVICE_ACCOUNT_VOLUME, dir);
    }
    return paths;
  }

  async #prepare(pod: EdgePod, v: Volume, facts: PodRuntimeFacts): Promise<string> {
    const ns = podNamespace(pod);
    const base = join(this.podDir(pod), 'volumes');
    const what = `volume ${v.name}`;
    if (v.emptyDir) {
      const dir = join(base, 'kubernetes.io~empty-dir', v.name);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // World-writable as kubelet makes it (mkdir's mode is cut by the umask).
      await chmod(dir, 0o777);
      return dir;
    }
    if (v.configMap) {
      const dir = join(base, 'kubernetes.io~configmap', v.name);
      const cm = await this.#o.lookup.configMap(ns, v.configMap.name);
      if (!cm && v.configMap.optional !== true) {
        throw new ContainerConfigError(
          `${what}: configmap "${v.configMap.name}" not found`,
          'ContainerCreating',
        );
      }
      const files = projected({ ...cm?.data }, v.configMap.items, what);
      await writeFiles(dir, files, v.configMap.defaultMode ?? 0o644);
      return dir;
    }
    if (v.secret) {
      const dir = join(this.#o.secretsDir, pod.metadata.uid ?? '', v.name);
      const secret = await this.#o.lookup.secret(ns, v.secret.secretName);
      if (!secret && v.secret.optional !== true) {
        throw new ContainerConfigError(
          `${what}: secret "${v.secret.secretName}" not found`,
          'ContainerCreating',
        );
      }
      const keys = [...Object.keys(secret?.data ?? {}), ...Object.keys(secret?.stringData ?? {})];
      const data = Object.fromEntries(keys.map((k) => [k, secret ? (secretValue(secret, k) ?? '') : '']));
      await writeFiles(dir, projected(data, v.secret.items, what), v.secret.defaultMode ?? 0o400, 0o700);
      return dir;
    }
    if (v.downwardAPI) {
      const dir = join(base, 'kubernetes.io~downward-api', v.name);
      const files = new Map<string, string>();
      for (const item of v.downwardAPI.items ?? []) {
        const path = item.fieldRef?.fieldPath ?? '';
        const value =
          path === 'metadata.labels'
            ? formatMap(pod.metadata.labels)
            : path === 'metadata.annotations'
              ? formatMap(pod.metadata.annotations)
              : fieldRefValue(pod, facts, path);
        if (value === undefined) throw new ContainerConfigError(`${what}: unsupported fieldPath: ${path}`);
        files.set(safeRelative(item.path, what), value);
      }
      await writeFiles(dir, files, v.downwardAPI.defaultMode ?? 0o644);
      return dir;
    }
    const sources = projectedSources(v);
    if (sources) {
      const dir = join(this.#o.secretsDir, pod.metadata.uid ?? '', v.name);
      const files = await projectedFiles(pod, sources, this.#o.lookup, facts, what);
      const safe = new Map([...files].map(([path, content]) => [safeRelative(path, what), content]));
      const mode = (v as { projected?: { defaultMode?: number } }).projected?.defaultMode ?? 0o644;
      await writeFiles(dir, safe, mode);
      return dir;
    }
    if (v.hostPath) return this.#hostPath(v.hostPath, what);
    throw new ContainerConfigError(
      `${what}: kind not supported (emptyDir, configMap, secret, downwardAPI, projected, hostPath)`,
    );
  }

  async #hostPath(h: NonNullable<Volume['hostPath']>, what: string): Promise<string> {
    const refuse = (why: string): never => {
      throw new ContainerConfigError(
        `${what}: hostPath ${JSON.stringify(h.path)} ${why} (allowed: ${this.#o.allowedHostPaths.join(', ') || 'none'})`,
      );
    };
    if (!isAbsolute(h.path)) refuse('is not absolute');
    if (!this.#o.allowedHostPaths.some((p) => under(resolve(h.path), p)))
      refuse('is not under an allowed prefix');
    const type = h.type ?? '';
    if (type === 'DirectoryOrCreate') await mkdir(h.path, { recursive: true, mode: 0o755 });
    if (type === 'FileOrCreate') await writeFile(h.path, '', { flag: 'a' });
    const real = await realpath(h.path).catch(() => undefined);
    if (real === undefined) return refuse('does not exist');
    // A symlink inside an allowed prefix must not lead out of it.
    if (!this.#o.allowedHostPaths.some((p) => under(real, p)))
      refuse(`resolves to ${real}, outside the allowed prefixes`);
    const s = await stat(real);
    if (type === 'Directory' && !s.isDirectory()) refuse('is not a directory');
    if (type === 'File' && !s.isFile()) refuse('is not a file');
    return real;
  }

  /** The container's bind mounts from its volumeMounts. */
  mounts(c: Container, paths: ReadonlyMap<string, string>): ContainerMountSpec[] {
    const token = serviceAccountMount(c, paths);
    return [...this.#declaredMounts(c, paths), ...(token ? [token] : [])];
  }

  #declaredMounts(c: Container, paths: ReadonlyMap<string, string>): ContainerMountSpec[] {
    return (c.volumeMounts ?? []).map((m) => {
      const host = paths.get(m.name);
      if (!host)
        throw new ContainerConfigError(`container ${c.name}: volumeMount ${m.name}: no volume of that name`);
      const hostPath = m.subPath
        ? join(host, safeRelative(m.subPath, `volumeMount ${m.name} subPath`))
        : host;
      return { containerPath: m.mountPath, hostPath, ...(m.readOnly ? { readOnly: true } : {}) };
    });
  }

  /** Removes the pod's volume directories and secrets (not hostPaths). */
  async cleanup(pod: EdgePod): Promise<void> {
    if (!pod.metadata.uid) return;
    await rm(this.podDir(pod), { recursive: true, force: true });
    await rm(join(this.#o.secretsDir, pod.metadata.uid), { recursive: true, force: true });
  }
}
