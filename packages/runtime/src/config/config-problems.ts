// Validation against a zod schema and how its problems read: one
// `path: problem` line each, saying where the bad value came from.
import { z } from 'zod';
import { configValueMessage, describeIssues, KedgeError } from '@kedge/api';
import { deepFreeze } from './config-data.ts';

/** Zod messages in our words: `expected number, got string`, `must be >= 1`. */
export const configIssueMessage = configValueMessage;

/** Where a bad value came from: a note for the message and, for file values, the line. */
export interface IssueSource {
  readonly note: string;
  readonly line?: number;
}

/** Validates a merged config; throws KEDGE_CONFIG_INVALID listing every problem, else returns it frozen. */
export function validateConfig<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: {
    label: string;
    file?: string | undefined;
    where?: (path: readonly PropertyKey[]) => IssueSource;
  },
): T {
  const result = schema.safeParse(value, { error: configIssueMessage });
  if (result.success) return deepFreeze(result.data);
  throw configInvalid(options.label, configProblems(result.error, options.where), options.file);
}

/**
 * One `path: problem` line per zod issue (one per key for unknown fields) plus
 * where the value came from; problems with a file line come first, in file order.
 */
export function configProblems(
  error: z.ZodError,
  where?: (path: readonly PropertyKey[]) => IssueSource,
): string[] {
  const problems = error.issues.flatMap((issue) => {
    const lines = describeIssues(new z.ZodError([issue]));
    const paths =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return lines.map((text, i) => {
      const source = where?.(paths[i] ?? issue.path) ?? { note: '' };
      return { text: text + source.note, line: source.line ?? Number.POSITIVE_INFINITY };
    });
  });
  return problems.sort((a, b) => a.line - b.line).map((p) => p.text);
}

/** KEDGE_CONFIG_INVALID for `path: problem` lines; the message starts with `label`, one problem per line. */
export function configInvalid(label: string, fields: string[], file?: string): KedgeError {
  const count = fields.length === 1 ? '1 problem' : `${fields.length} problems`;
  return new KedgeError(
    'KEDGE_CONFIG_INVALID',
    `${label}: invalid config (${count}):\n${fields.join('\n')}`,
    {
      ...(file === undefined ? {} : { file }),
      fields,
    },
  );
}
