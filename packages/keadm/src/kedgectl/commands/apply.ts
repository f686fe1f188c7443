// kedgectl apply -f FILE|DIR|- ...: create or update every object in the
// manifests. All documents are read and validated first; if any is bad,
// nothing is written and every problem is listed. Writes then go one object
// at a time; an update re-reads the current object and retries on conflict.
import { isDeepStrictEqual } from 'node:util';
import {
  KedgeError,
  errorMessage,
  hasCode,
  kinds,
  validateAs,
  validateResource,
  type KindName,
  type ResourceKind,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { appliedConfiguration, lastApplied, threeWayMerge } from '../apply-merge.ts';
import { withStore, type CommandContext } from '../context.ts';
import { readManifests, type ManifestDocument } from '../manifest.ts';
import { resourceRef } from '../printers.ts';

export interface ApplyOptions {
  files: readonly string[];
}

type JsonObject = Record<string, unknown>;
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyItem {
  where: string;
  kind: KindName;
  manifest: JsonObject;
  name: string;
  namespace: string | undefined;
}

const MAX_ATTEMPTS = 5;

export async function runApply(ctx: CommandContext, options: ApplyOptions): Promise<number> {
  if (options.files.length === 0) throw new KedgeError('KEDGE_CLI_USAGE', 'apply: -f FILE is required');
  const manifests = await readManifests(options.files, () => ctx.io.readStdin());
  const problems = [...manifests.problems];
  const items: ApplyItem[] = [];
  for (const doc of manifests.documents) {
    const checked = checkDocument(doc, ctx.namespace);
    if (Array.isArray(checked)) problems.push(...checked);
    else items.push(checked);
  }
  if (problems.length) {
    const code = manifests.problems.length ? 'KEDGE_MANIFEST_UNREADABLE' : 'KEDGE_RESOURCE_INVALID';
    const summary = `nothing applied: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the input`;
    throw new KedgeError(code, [...problems, summary].join('\n'), { fields: problems });
  }
  if (items.length === 0) throw new KedgeError('KEDGE_CLI_USAGE', 'apply: no objects passed to apply');

  return withStore(ctx, { create: true }, async (store) => {
    let failures = 0;
    for (const item of items) {
      try {
        const outcome = await applyOne(store, item);
        ctx.io.stdout.write(`${resourceRef(item.kind)}/${item.name} ${outcome}\n`);
      } catch (err: unknown) {
        failures++;
        ctx.io.stderr.write(`error: ${item.where}: ${subject(item.kind, item.name)}: ${describe(err)}\n`);
      }
    }
    return failures ? 1 : 0;
  });
}

/** A valid document as an ApplyItem, or the problems that make it invalid. */
function checkDocument(doc: ManifestDocument, namespaceFlag: string | undefined): ApplyItem | string[] {
  const raw = doc.value as { kind?: unknown; metadata?: { name?: unknown } };
  const name = typeof raw.metadata?.name === 'string' ? raw.metadata.name : undefined;
  let kind: KindName;
  try {
    kind = validateResource(doc.value).kind;
  } catch (err: unknown) {
    const label = typeof raw.kind === 'string' ? subject(raw.kind, name) : undefined;
    const prefix = label ? `${doc.where}: ${label}` : doc.where;
    if (hasCode(err, 'KEDGE_RESOURCE_INVALID') && err.context.fields?.length) {
      return err.context.fields.map((field) => `${prefix}: ${field}`);
    }
    return [`${prefix}: ${errorMessage(err)}`];
  }
  const manifest = structuredClone(doc.value) as JsonObject & { metadata: JsonObject };
  const k: ResourceKind = kinds[kind];
  const given = typeof manifest.metadata.namespace === 'string' ? manifest.metadata.namespace : undefined;
  let namespace: string | undefined;
  if (k.scope === 'Cluster') {
    delete manifest.metadata.namespace; // cluster-scoped: a namespace means nothing, as in Kubernetes
  } else {
    if (given && namespaceFlag && given !== namespaceFlag) {
      return [
        `${doc.where}: ${subject(k.kind, name)}: metadata.namespace: "${given}" does not match --namespace "${namespaceFlag}"`,
      ];
    }
    namespace = given ?? namespaceFlag ?? 'default';
    manifest.metadata.namespace = namespace;
  }
  return { where: doc.where, kind, manifest, name: name ?? '', namespace };
}

/** Creates or updates one object; on a conflicting write it re-reads and tries again. */
export async function applyOne(store: ResourceStore, item: ApplyItem): Promise<ApplyOutcome> {
  const desired = appliedConfiguration(item.manifest);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await store.get(item.kind, item.name, item.namespace);
    if (!current) {
      try {
        await store.create(item.kind, validateAs(item.kind, desired));
        return 'created';
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) continue; // created meanwhile: update it instead
        throw err;
      }
    }
    const merged = validateAs(item.kind, threeWayMerge(lastApplied(current), current as JsonObject, desired));
    if (isDeepStrictEqual(plain(merged), plain(current))) return 'unchanged';
    try {
      await store.update(item.kind, merged);
      return 'configured';
    } catch (err: unknown) {
      if (hasCode(err, 'KEDGE_STORE_CONFLICT') || hasCode(err, 'KEDGE_STORE_NOT_FOUND')) continue;
      throw err;
    }
  }
  throw new KedgeError(
    'KEDGE_STORE_CONFLICT',
    `gave up after ${MAX_ATTEMPTS} attempts: another writer kept changing it`,
    { resource: `${item.kind}/${item.name}` },
  );
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function subject(kind: string, name: string | undefined): string {
  return name ? `${kind} "${name}"` : kind;
}

function describe(err: unknown): string {
  if (hasCode(err, 'KEDGE_RESOURCE_INVALID') && err.context.fields?.length)
    return err.context.fields.join('; ');
  return errorMessage(err);
}
