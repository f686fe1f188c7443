// What a dotted config path (`modules.edgeStream.enable`,
// `modules.edged.nodeLabels.zone`, `a.b[0].c`) points at in a schema. Inside a
// map of plain values the rest of the path is one key, so label keys with dots
// and slashes work: `modules.edged.nodeLabels.example.com/zone`; a key may also
// be written as error messages print it: `modules.edged.nodeLabels["a b"]`.
import { z } from 'zod';
import { formatPath } from '../field-path.ts';
import { EdgeCoreConfigSchema } from './edgecore-config-schema.ts';
import { unwrapSchema } from './schema-helpers.ts';

/** `["example.com/zone"]`: a key written the way error messages print it. */
const QUOTED_KEY = /^\["((?:[^"\\]|\\.)*)"\]/;

type ConfigFieldType = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'map' | 'list';

export interface ConfigFieldInfo {
  /** The path with list indices as numbers: ['a', 'b', 0, 'c']. */
  readonly segments: readonly (string | number)[];
  readonly type: ConfigFieldType;
  /** For enums: the allowed values. */
  readonly values?: readonly string[];
  /** The (unwrapped) schema of the field. */
  readonly schema: z.ZodType;
}

export type ConfigFieldLookup =
  | { ok: true; field: ConfigFieldInfo }
  /** `at`: the path up to the segment that failed (for "unknown field": including the unknown name). */
  | { ok: false; problem: string; at: readonly (string | number)[] };

/** Whether `path` exists in edgecore.yaml's schema, and its type. */
export function configFieldInfo(path: string): ConfigFieldInfo | undefined {
  const found = lookupConfigField(EdgeCoreConfigSchema, path);
  return found.ok ? found.field : undefined;
}

/** Resolves `path` in any config schema; `problem` says why it does not exist. */
export function lookupConfigField(root: z.ZodType, path: string): ConfigFieldLookup {
  const segments: (string | number)[] = [];
  let schema = unwrapSchema(root);
  let i = 0;
  const fail = (problem: string): ConfigFieldLookup => ({ ok: false, problem, at: [...segments] });
  if (path === '') return fail('empty path');
  while (i < path.length) {
    if (schema instanceof z.ZodArray) {
      const index = /^\[(\d+)\]/.exec(path.slice(i));
      if (!index?.[1])
        return fail(`${formatPath(segments)} is a list: index it, e.g. ${formatPath(segments)}[0]`);
      segments.push(Number(index[1]));
      i += index[0].length;
      schema = unwrapSchema(schema.element as z.ZodType);
    } else if (path[i] === '[' && !QUOTED_KEY.test(path.slice(i))) {
      return fail(`${formatPath(segments)} is not a list`);
    } else {
      const container = schema instanceof z.ZodRecord || schema instanceof z.ZodObject;
      if (!container) return fail(`${formatPath(segments)} is a ${typeOf(schema)} and has no fields`);
      const valueSchema =
        schema instanceof z.ZodRecord ? unwrapSchema(schema.valueType as z.ZodType) : undefined;
      const quoted = QUOTED_KEY.exec(path.slice(i));
      const wholeRest = valueSchema !== undefined && !isContainer(valueSchema);
      const end = quoted ? i + quoted[0].length : wholeRest ? path.length : nextSeparator(path, i);
      const name = quoted ? unquoteKey(quoted[1] ?? '') : path.slice(i, end);
      if (name === undefined) return fail(`bad quoted key ${quoted?.[0] ?? ''}`);
      if (name === '') return fail('empty path segment');
      if (name === '__proto__') return fail('"__proto__" is not allowed as a key');
      let next = valueSchema;
      if (schema instanceof z.ZodObject) {
        const shape = schema.shape as Record<string, z.ZodType>;
        next = Object.hasOwn(shape, name) ? unwrapSchema(shape[name] as z.ZodType) : undefined;
      }
      segments.push(name);
      if (!next) return fail('unknown field');
      schema = next;
      i = end;
    }
    if (path[i] === '.') {
      i++;
      if (i === path.length) return fail('empty path segment');
    } else if (i < path.length && path[i] !== '[') return fail(`unexpected ${JSON.stringify(path[i])}`);
  }
  const values = enumValues(schema);
  return { ok: true, field: { segments, type: typeOf(schema), schema, ...(values ? { values } : {}) } };
}

function unquoteKey(body: string): string | undefined {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return undefined;
  }
}

function nextSeparator(path: string, from: number): number {
  for (let i = from; i < path.length; i++) if (path[i] === '.' || path[i] === '[') return i;
  return path.length;
}

function isContainer(schema: z.ZodType): boolean {
  return schema instanceof z.ZodObject || schema instanceof z.ZodRecord || schema instanceof z.ZodArray;
}

function enumValues(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodEnum) return schema.options.map(String);
  if (schema instanceof z.ZodLiteral) return [...schema.values].map(String);
  return undefined;
}

function typeOf(schema: z.ZodType): ConfigFieldType {
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodNumber) return /int/.test(schema.format ?? '') ? 'integer' : 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodEnum || schema instanceof z.ZodLiteral) return 'enum';
  if (schema instanceof z.ZodRecord) return 'map';
  if (schema instanceof z.ZodArray) return 'list';
  return 'object';
}
