// Creates or updates one rendered object. The rendered template is kept in
// apps.kubeedge.io/last-applied-template; an update is the merge patch from
// that template to the new one, applied to the stored object, so fields the
// template never set (a Service's clusterIP, a scaler's choice) survive and
// fields the template dropped go. An object of the same name that another
// owner controls is refused instead of taken over (upstream overwrote it).
import { EdgeApplicationAnnotations, KedgeError, type EdgeApplication, type ResourceOf } from '@kedge/api';
import { mutate, type ResourceStore } from '@kedge/store';
import { applyMergePatch, createMergePatch } from './merge-patch.ts';
import type { Json } from './overriders.ts';
import type { RenderedObject } from './render-app.ts';

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

const LAST_APPLIED = EdgeApplicationAnnotations.lastAppliedTemplate;

function withLastApplied(object: Json, template: string): Json {
  const meta = { ...(object['metadata'] as Json) };
  meta['annotations'] = { ...(meta['annotations'] as Json), [LAST_APPLIED]: template };
  return { ...object, metadata: meta };
}

function parseTemplate(text: string | undefined): Json {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

/** Whether the stored object is this app's (its controller is an EdgeApplication of the same name). */
export function controlledBy(
  obj: { metadata: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } },
  app: EdgeApplication,
): boolean {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref?.kind === 'EdgeApplication' && ref.name === app.metadata.name;
}

export async function applyObject(
  store: ResourceStore,
  app: EdgeApplication,
  r: RenderedObject,
): Promise<ApplyOutcome> {
  const { kind, identity, object } = r;
  const template = JSON.stringify(object);
  let outcome: ApplyOutcome = 'unchanged';
  const stored = await mutate(
    store,
    kind,
    identity.name,
    (current) => {
      if (!controlledBy(current, app)) {
        throw new KedgeError(
          'KEDGE_EDGEAPP_RENDER_FAILED',
          `${identity.kind} ${identity.namespace}/${identity.name} exists and is not controlled by EdgeApplication ${app.metadata.name}`,
          { resource: `${identity.kind}/${identity.name}` },
        );
      }
      const last = current.metadata.annotations?.[LAST_APPLIED];
      if (last === template) {
        outcome = 'unchanged';
        return undefined;
      }
      const patch = createMergePatch(parseTemplate(last), object);
      const merged = applyMergePatch(current, patch) as Json;
      outcome = 'updated';
      return withLastApplied(merged, template) as ResourceOf<typeof kind>;
    },
    { namespace: identity.namespace },
  );
  if (stored !== undefined) return outcome;
  await store.create(kind, withLastApplied(object, template) as ResourceOf<typeof kind>);
  return 'created';
}
