// Checks a ConfigUpdateJob's `updateFields` against the edgecore.yaml schema
// without any node's config: every path must exist and every value must fit
// its field (converted to the field's type, then the field's own rules).
// Cross-field rules and the node's own file are left to the node. The store
// runs this on every ConfigUpdateJob write, so a bad path or value is refused
// at apply time, naming it.
import type { z } from 'zod';
import { formatPath } from '../field-path.ts';
import { lookupConfigField } from './config-fields.ts';
import { convertConfigValue } from './convert-config-value.ts';
import { EdgeCoreConfigSchema } from './edgecore-config-schema.ts';
import { configValueMessage } from './schema-helpers.ts';

interface FieldProblem {
  /** Where inside the field (a list item, a map key); empty for the field itself. */
  readonly sub: readonly PropertyKey[];
  readonly message: string;
}

interface FieldCheck {
  readonly problems: FieldProblem[];
  /** Set when the path names no field: the path up to and including the unknown name. */
  readonly unknownAt?: readonly (string | number)[];
}

function checkField(path: string, raw: string): FieldCheck {
  const found = lookupConfigField(EdgeCoreConfigSchema, path);
  if (!found.ok) {
    const problems = [{ sub: [], message: found.problem }];
    return found.problem === 'unknown field' ? { problems, unknownAt: found.at } : { problems };
  }
  const converted = convertConfigValue(found.field, raw);
  if (!converted.ok) return { problems: [{ sub: [], message: converted.problem }] };
  const checked = found.field.schema.safeParse(converted.value, { error: configValueMessage });
  if (checked.success) return { problems: [] };
  return { problems: issueProblems(checked.error) };
}

function issueProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ sub: [...issue.path, key], message: 'unknown field' }))
      : [{ sub: issue.path, message: issue.message }],
  );
}

/** `path` + a sub-path as error messages print it: `a.b[0]`, `a.b.key`, `a.b["x y"]`. */
function joined(path: string, sub: readonly PropertyKey[]): string {
  if (sub.length === 0) return path;
  const rest = formatPath(sub);
  return rest.startsWith('[') ? path + rest : `${path}.${rest}`;
}

/**
 * Problems with setting edgecore.yaml `path` to `raw`, for a job's status or an
 * admission error about this one entry: `unknown field modules.nope`,
 * `expected true or false, got "yes"`, `at [0]: must not be empty`. Empty = fine.
 */
export function updateFieldProblems(path: string, raw: string): string[] {
  const check = checkField(path, raw);
  if (check.unknownAt !== undefined) return [`unknown field ${formatPath(check.unknownAt)}`];
  return check.problems.map((p) =>
    p.sub.length === 0 ? p.message : `at ${formatPath(p.sub)}: ${p.message}`,
  );
}

/**
 * Checks `updateFields` for admission without a node's config. Returns
 * `path: problem` lines (the path extended into lists and maps where the
 * problem is); empty means acceptable.
 */
export function configUpdateProblems(updateFields: Readonly<Record<string, string>>): string[] {
  return Object.entries(updateFields).flatMap(([path, raw]) =>
    checkField(path, raw).problems.map((p) => `${joined(path, p.sub)}: ${p.message}`),
  );
}
