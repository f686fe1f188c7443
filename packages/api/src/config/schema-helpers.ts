// The few pure helpers every daemon's config schema needs (edgecore's here,
// cloudcore's and controllermanager's in their packages); @kedge/runtime's
// config loader re-exports them. They live here because @kedge/api depends
// on nothing of ours.
import { z } from 'zod';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The value at `path`, or undefined when any step is missing or not an object/array. */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** A duration field, in seconds (positive); `what` becomes its description. */
export function secondsField(what: string): z.ZodNumber {
  return z.number().positive().describe(`${what} (seconds)`);
}

/** Refinement option: run cross-field checks on any object, even one with other problems. */
export const whenObject = { when: (payload: { value: unknown }): boolean => isPlainObject(payload.value) };

/** Unwraps optional/default/pipe wrappers to the schema that says what a value looks like. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

/** Zod messages in the config loader's words: `expected number, got string`, `must be > 0, got 0`. */
export const configValueMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    const expected = issue.expected === 'int' ? 'integer' : issue.expected;
    const number = typeof issue.input === 'number' && expected === 'integer';
    return `expected ${expected}, got ${number ? String(issue.input) : typeName(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    const wanted = issue.values.map((v) => JSON.stringify(v));
    const expected = wanted.length === 1 ? wanted[0] : `one of ${wanted.join(', ')}`;
    return `expected ${expected}, got ${JSON.stringify(issue.input) ?? typeName(issue.input)}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const small = issue.code === 'too_small';
    const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
    const bound = String(small ? issue.minimum : issue.maximum);
    if (issue.origin === 'string')
      return small && bound === '1' ? 'must not be empty' : `length must be ${op} ${bound}`;
    if (issue.origin === 'array') return `must have ${op} ${bound} items`;
    return `must be ${op} ${bound}, got ${String(issue.input)}`;
  }
  return undefined;
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
