// A container's environment as kubelet builds it: envFrom (ConfigMaps and
// Secrets, with their prefix) first, then env in order (literal values with
// $(VAR) expanded from what came before, fieldRef for the pod's name,
// namespace, uid, IPs, node, service account, labels and annotations,
// configMapKeyRef / secretKeyRef). command and args get $(VAR) expansion
// too. A reference that cannot be resolved (a missing object or key that is
// not optional) is a ContainerConfigError with kubelet's words; the worker
// shows it as the CreateContainerConfigError waiting reason.
import { secretValue } from '@kedge/api';
import {
  podNamespace,
  type Container,
  type EdgeObjectLookup,
  type EdgePod,
  type KeySelector,
} from './pod-spec.ts';

const CREATE_CONTAINER_CONFIG_ERROR = 'CreateContainerConfigError';

/** A container config that cannot be built; `message` is what the status shows. */
export class ContainerConfigError extends Error {
  /** The waiting reason: CreateContainerConfigError, or ContainerCreating while a volume's object is missing. */
  readonly reason: string;

  constructor(message: string, reason: string = CREATE_CONTAINER_CONFIG_ERROR) {
    super(message);
    this.reason = reason;
  }
}

/** What fieldRef reads besides the pod object itself. */
export interface PodRuntimeFacts {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

/** kubelet's $(VAR) expansion: defined names are replaced, `$$` escapes, anything else stays as written. */
export function expandVars(input: string, env: ReadonlyMap<string, string>): string {
  return input.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
    (match: string, name: string | undefined) => {
      if (match === '$$') return '$';
      return name !== undefined && env.has(name) ? (env.get(name) ?? '') : match;
    },
  );
}

/** The value of a downward-API field path, or undefined when it is not one kedge serves. */
export function fieldRefValue(pod: EdgePod, facts: PodRuntimeFacts, path: string): string | undefined {
  const quoted = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (quoted) {
    const map = quoted[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[quoted[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return podNamespace(pod);
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      return undefined;
  }
}

export class EnvResolver {
  readonly #lookup: EdgeObjectLookup;

  constructor(lookup: EdgeObjectLookup) {
    this.#lookup = lookup;
  }

  /** The container's env, in kubelet's order; throws ContainerConfigError. */
  async resolve(pod: EdgePod, c: Container, facts: PodRuntimeFacts): Promise<Map<string, string>> {
    const ns = podNamespace(pod);
    const env = new Map<string, string>();
    for (const from of c.envFrom ?? []) {
      const data = await this.#objectData(ns, from);
      for (const [k, v] of Object.entries(data ?? {})) env.set(`${from.prefix ?? ''}${k}`, v);
    }
    for (const e of c.env ?? []) {
      const src = e.valueFrom;
      if (!src) env.set(e.name, expandVars(e.value ?? '', env));
      else if (src.fieldRef) {
        const v = fieldRefValue(pod, facts, src.fieldRef.fieldPath);
        if (v === undefined) {
          throw new ContainerConfigError(`unsupported fieldPath: ${src.fieldRef.fieldPath}`);
        }
        env.set(e.name, v);
      } else if (src.configMapKeyRef) {
        const v = await this.#key(ns, 'ConfigMap', src.configMapKeyRef);
        if (v !== undefined) env.set(e.name, v);
      } else if (src.secretKeyRef) {
        const v = await this.#key(ns, 'Secret', src.secretKeyRef);
        if (v !== undefined) env.set(e.name, v);
      }
    }
    return env;
  }

  async #data(
    ns: string,
    kind: 'ConfigMap' | 'Secret',
    name: string,
  ): Promise<Record<string, string> | undefined> {
    if (kind === 'ConfigMap') {
      const cm = await this.#lookup.configMap(ns, name);
      return cm && { ...cm.data };
    }
    const secret = await this.#lookup.secret(ns, name);
    if (!secret) return undefined;
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    return Object.fromEntries([...keys].map((k) => [k, secretValue(secret, k) ?? '']));
  }

  async #objectData(
    ns: string,
    from: NonNullable<Container['envFrom']>[number],
  ): Promise<Record<string, string> | undefined> {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) return undefined;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = await this.#data(ns, kind, ref.name);
    if (!data && ref.optional !== true)
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
    return data;
  }

  async #key(ns: string, kind: 'ConfigMap' | 'Secret', ref: KeySelector): Promise<string | undefined> {
    const name = ref.name ?? '';
    const data = await this.#data(ns, kind, name);
    if (!data) {
      if (ref.optional === true) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
    }
    const v = data[ref.key];
    if (v === undefined && ref.optional !== true) {
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${name}`);
    }
    return v;
  }
}

/** command and args with $(VAR) expanded from the container's env. */
export function expandCommand(
  c: Container,
  env: ReadonlyMap<string, string>,
): { command?: string[]; args?: string[] } {
  return {
    ...(c.command ? { command: c.command.map((s) => expandVars(s, env)) } : {}),
    ...(c.args ? { args: c.args.map((s) => expandVars(s, env)) } : {}),
  };
}
