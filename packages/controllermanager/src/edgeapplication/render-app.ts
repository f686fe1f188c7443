// Renders an EdgeApplication into the objects it wants: every apps/v1
// Deployment once per target (`<name>-<group>` for a node group,
// `<name>-ls-<8 hex>` for a label set, as upstream names them), a v1 Service
// once with apps.kubeedge.io/service-topology: range-nodegroup, anything
// else once as written. Every object gets the app's namespace and a
// controller ownerReference to it. What cannot be rendered is reported per
// manifest and target and leaves that object alone.
import { createHash } from 'node:crypto';
import {
  errorMessage,
  kindOfObject,
  kinds,
  ServiceTopology,
  type EdgeApplication,
  type KindName,
  type Overriders,
} from '@kedge/api';
import { applyOverriders, type Json, type Placement } from './overriders.ts';

/** A generated object, as the status identifier and the last-contained annotation name it. */
export interface ObjectIdentity {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface RenderedObject {
  ordinal: number;
  kind: KindName;
  identity: ObjectIdentity;
  object: Json;
}

export interface RenderFailure {
  ordinal: number;
  /** Set when the object's name is known (then an existing copy is kept, not deleted). */
  identity?: ObjectIdentity;
  message: string;
}

interface Target {
  /** `nodegroup beijing` or `labels a=b,c=d`, for messages. */
  what: string;
  suffix: string;
  placement: Placement;
  overriders?: Overriders | undefined;
}

/** Upstream's suffix for a label target: `ls-` and the first 4 bytes of SHA-256 over sorted key,value pairs. */
export function labelSetSuffix(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) {
    h.update(k);
    h.update(labels[k]!);
  }
  return `ls-${h.digest('hex').slice(0, 8)}`;
}

function targetsOf(app: EdgeApplication): { targets: Target[]; failures: string[] } {
  const scope = app.spec.workloadScope;
  const targets: Target[] = (scope.targetNodeGroups ?? []).map((g) => ({
    what: `nodegroup ${g.name}`,
    suffix: g.name,
    placement: { group: g.name },
    overriders: g.overriders,
  }));
  const failures: string[] = [];
  (scope.targetNodeLabels ?? []).forEach((t, i) => {
    const labels = t.labelSelector.matchLabels ?? {};
    const field = `spec.workloadScope.targetNodeLabels[${i}].labelSelector`;
    if ((t.labelSelector.matchExpressions ?? []).length > 0) {
      failures.push(`${field}: only matchLabels is supported, not matchExpressions`);
    } else if (Object.keys(labels).length === 0) {
      failures.push(`${field}: matchLabels must name at least one label`);
    } else {
      const what = `labels ${Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
      targets.push({ what, suffix: labelSetSuffix(labels), placement: { labels }, overriders: t.overriders });
    }
  });
  return { targets, failures };
}

export function renderApp(app: EdgeApplication): { objects: RenderedObject[]; failures: RenderFailure[] } {
  const namespace = app.metadata.namespace ?? 'default';
  const { targets, failures: targetFailures } = targetsOf(app);
  const objects: RenderedObject[] = [];
  const failures: RenderFailure[] = targetFailures.map((message) => ({ ordinal: -1, message }));
  app.spec.workloadTemplate.manifests.forEach((manifest, ordinal) => {
    const at = `spec.workloadTemplate.manifests[${ordinal}]`;
    const kind = kindOfObject(manifest.apiVersion, manifest.kind);
    const meta = (manifest['metadata'] ?? {}) as Json;
    const name = meta['name'];
    const fail = (message: string, identity?: ObjectIdentity): void => {
      failures.push({ ordinal, message: `${at}: ${message}`, ...(identity ? { identity } : {}) });
    };
    if (kind === undefined) return fail(`${manifest.apiVersion} ${manifest.kind} is not a kind kedge serves`);
    if (kinds[kind].scope !== 'Namespaced')
      return fail(`${manifest.kind} is cluster-scoped; only namespaced objects can be owned`);
    // A Secret written into a template keeps its data in the EdgeApplication, which every reader
    // of edgeapplications can read, and would need controllermanager to write Secrets anywhere.
    if (kind === 'Secret')
      return fail(
        'a Secret cannot be part of a workload template (its data would be readable through the EdgeApplication); create it directly and reference it by name',
      );
    if (typeof name !== 'string' || name === '') return fail('metadata.name is missing');
    const ns = meta['namespace'] ?? namespace;
    if (ns !== namespace)
      return fail(
        `metadata.namespace ${JSON.stringify(ns)} is not the EdgeApplication's namespace ${namespace}`,
      );
    const base = owned(manifest, app, namespace);
    const identityOf = (n: string): ObjectIdentity => ({
      group: kinds[kind].group,
      version: kinds[kind].version,
      kind: kinds[kind].kind,
      resource: kinds[kind].plural,
      namespace,
      name: n,
    });
    if (kind === 'Deployment' && manifest.apiVersion === 'apps/v1') {
      for (const t of targets) {
        const copy = structuredClone(base);
        const copyName = `${name}-${t.suffix}`;
        (copy['metadata'] as Json)['name'] = copyName;
        try {
          applyOverriders(copy, t.overriders, t.placement);
          objects.push({ ordinal, kind, identity: identityOf(copyName), object: copy });
        } catch (err: unknown) {
          fail(`for ${t.what}: ${errorMessage(err)}`, identityOf(copyName));
        }
      }
      return;
    }
    if (kind === 'Service') {
      const m = base['metadata'] as Json;
      m['annotations'] = {
        ...(m['annotations'] as Json),
        [ServiceTopology.annotation]: ServiceTopology.rangeNodeGroup,
      };
    }
    objects.push({ ordinal, kind, identity: identityOf(name), object: base });
  });
  return { objects, failures };
}

/** The manifest in the app's namespace, without status or server-set metadata, controlled by the app. */
function owned(manifest: Json, app: EdgeApplication, namespace: string): Json {
  const copy = structuredClone(manifest);
  delete copy['status'];
  const meta = { ...((copy['metadata'] ?? {}) as Json) };
  // Fields of a stored object (a template copied from `get -o yaml`) that a new object must not carry.
  for (const f of [
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'managedFields',
  ]) {
    delete meta[f];
  }
  const refs = ((meta['ownerReferences'] ?? []) as Json[]).filter((r) => r['controller'] !== true);
  meta['namespace'] = namespace;
  meta['ownerReferences'] = [
    ...refs,
    {
      apiVersion: app.apiVersion,
      kind: app.kind,
      name: app.metadata.name,
      uid: app.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  copy['metadata'] = meta;
  return copy;
}

type SameKey = Pick<ObjectIdentity, 'group' | 'kind' | 'namespace' | 'name'>;

/** Same object (the ordinal and version may differ: moving a manifest must not delete it). */
export function sameObject(a: SameKey, b: SameKey): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
