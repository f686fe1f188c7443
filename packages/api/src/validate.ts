// Runtime validation of resources against the same schemas the CRDs are made
// from. Errors name every bad field as `path: problem`.
import type { z } from 'zod';
import { KedgeError } from './errors.ts';
import { formatPath } from './field-path.ts';
import { kindOfObject, kinds, type KindName, type ResourceKind, type ResourceOf } from './kinds.ts';
import { unsupportedWorkloadKind } from './unsupported-kinds.ts';

export { formatPath };

/** `spec.nodeNames[1]: expected string` lines for a zod error, one per problem. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`);
    }
    return [`${issue.path.length ? formatPath(issue.path) : '(root)'}: ${issue.message}`];
  });
}

/** Validates an object of a known kind; returns the parsed (defaults applied) value. */
export function validateAs<K extends KindName>(name: K, obj: unknown, where?: string): ResourceOf<K> {
  const k: ResourceKind = kinds[name];
  const result = k.schema.safeParse(obj);
  if (result.success) return result.data as ResourceOf<K>;
  const fields = describeIssues(result.error);
  const objName = objectName(obj);
  const subject = `${k.kind}${objName ? ` "${objName}"` : ''}${where ? ` in ${where}` : ''}`;
  throw new KedgeError('KEDGE_RESOURCE_INVALID', `invalid ${subject}: ${fields.join('; ')}`, {
    resource: `${k.kind}/${objName ?? ''}`,
    fields,
  });
}

/** Validates any object by its apiVersion/kind. */
export function validateResource(
  obj: unknown,
  where?: string,
): { kind: KindName; object: ResourceOf<KindName> } {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `invalid object${where ? ` in ${where}` : ''}: not a mapping`,
    );
  }
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `invalid object${where ? ` in ${where}` : ''}: apiVersion and kind are required strings`,
      { fields: ['apiVersion', 'kind'] },
    );
  }
  const name = kindOfObject(apiVersion, kind);
  if (!name) {
    const refusal = unsupportedWorkloadKind(apiVersion, kind, where);
    if (refusal) throw refusal;
    throw new KedgeError(
      'KEDGE_RESOURCE_UNKNOWN_KIND',
      `unknown kind ${apiVersion}/${kind}${where ? ` in ${where}` : ''}`,
      { resource: `${apiVersion}/${kind}` },
    );
  }
  return { kind: name, object: validateAs(name, obj, where) };
}

function objectName(obj: unknown): string | undefined {
  const name = (obj as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}
