// The overriders of one EdgeApplication target, applied to a copy of a
// Deployment in upstream's order: replicas, image, nodeSelector (placement),
// command, args, env, resources. Each works on the pod template's
// containers (not initContainers), matched by name. Deliberate differences
// from upstream, so that a rendering is stable and never half-applied:
// env `replace` keeps the order of the variables (upstream rebuilt them from
// a map, in random order); the label-target affinity lists labels sorted by
// key; a resources quantity is set whether or not the container had that
// resource (upstream's JSON-patch `replace` failed when it had not).
import { KedgeError, NodeGroupLabels, type EnvOverrider, type Overriders } from '@kedge/api';
import { overrideImage } from './image-components.ts';
import { getAtPointer, setAtPointer } from './json-pointer.ts';

export type Json = Record<string, unknown>;

interface Container extends Json {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Json[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } & Json;
}

/** Where a target's copy runs: a node group, or nodes with all these labels. */
export type Placement = { group: string } | { labels: Record<string, string> };

function podSpec(d: Json): Json & { containers: Container[] } {
  const spec = (d['spec'] ??= {}) as Json;
  const template = (spec['template'] ??= {}) as Json;
  const pod = (template['spec'] ??= {}) as Json & { containers?: Container[] };
  pod.containers ??= [];
  return pod as Json & { containers: Container[] };
}

function containersNamed(d: Json, name: string): Container[] {
  return podSpec(d).containers.filter((c) => c.name === name);
}

export function applyOverriders(d: Json, overriders: Overriders | undefined, placement: Placement): void {
  const o = overriders ?? {};
  if (o.replicas !== undefined) (d['spec'] as Json)['replicas'] = o.replicas;
  for (const io of o.imageOverriders ?? []) {
    if (io.predicate !== undefined) {
      const current = getAtPointer(d, io.predicate.path);
      if (typeof current !== 'string') {
        throw new KedgeError(
          'KEDGE_EDGEAPP_RENDER_FAILED',
          `imageOverriders predicate.path ${io.predicate.path} does not name an image string in the Deployment`,
          { field: 'predicate.path' },
        );
      }
      setAtPointer(d, io.predicate.path, overrideImage(current, io));
    } else {
      for (const c of podSpec(d).containers) {
        if (typeof c.image === 'string') c.image = overrideImage(c.image, io);
      }
    }
  }
  place(d, placement);
  for (const co of o.commandOverriders ?? []) {
    for (const c of containersNamed(d, co.containerName)) c.command = addOrRemove(c.command, co);
  }
  for (const ao of o.argsOverriders ?? []) {
    for (const c of containersNamed(d, ao.containerName)) c.args = addOrRemove(c.args, ao);
  }
  for (const eo of o.envOverriders ?? []) {
    for (const c of containersNamed(d, eo.containerName)) c.env = overrideEnv(c.env ?? [], eo);
  }
  for (const ro of o.resourcesOverriders ?? []) {
    for (const c of containersNamed(d, ro.containerName)) {
      const resources = (c.resources ??= {});
      for (const part of ['requests', 'limits'] as const) {
        for (const [name, quantity] of Object.entries(ro.value[part] ?? {})) {
          if (isZeroQuantity(quantity)) continue;
          (resources[part] ??= {})[name] = quantity;
        }
      }
    }
  }
}

/** Group: the nodeSelector becomes the group label alone. Labels: a required affinity, one `In` per label. */
function place(d: Json, placement: Placement): void {
  const pod = podSpec(d);
  if ('group' in placement) {
    pod['nodeSelector'] = { [NodeGroupLabels.belongingTo]: placement.group };
    return;
  }
  const matchExpressions = Object.keys(placement.labels)
    .sort()
    .map((key) => ({ key, operator: 'In', values: [placement.labels[key]!] }));
  const affinity = (pod['affinity'] ??= {}) as Json;
  affinity['nodeAffinity'] = {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] },
  };
}

function addOrRemove(
  current: string[] | undefined,
  o: { operator: 'add' | 'remove'; value?: string[] | undefined },
): string[] | undefined {
  const value = o.value ?? [];
  if (o.operator === 'add') return [...(current ?? []), ...value];
  if (current === undefined) return undefined;
  return current.filter((v) => !value.includes(v));
}

function overrideEnv(current: Json[], o: EnvOverrider): Json[] {
  const value = (o.value ?? []) as Json[];
  switch (o.operator) {
    case 'add':
      return [...current, ...value];
    case 'remove': {
      const names = new Set(value.map((v) => v['name']));
      return current.filter((v) => !names.has(v['name']));
    }
    case 'replace': {
      const byName = new Map(value.map((v) => [v['name'], v]));
      const out = current.map((v) => byName.get(v['name']) ?? v);
      const had = new Set(current.map((v) => v['name']));
      return [...out, ...value.filter((v) => !had.has(v['name']))];
    }
  }
}

/** `0`, `0m`, `0Gi`, `0.0`: upstream skips zero quantities. */
export function isZeroQuantity(q: string | number): boolean {
  if (typeof q === 'number') return q === 0;
  const m = /^[+-]?(\d*\.?\d*)(?:[eE][+-]?\d+)?[a-zA-Z]*$/.exec(q.trim());
  return m !== null && m[1] !== '' && Number(m[1]) === 0;
}
