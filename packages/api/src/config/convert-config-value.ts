// Turns the string value of a ConfigUpdateJob `updateFields` entry into the
// type its field has: "true"/"false", numbers, strings (trimmed, one pair of
// surrounding quotes removed), maps as `{k:v,k2:v2}` or JSON, lists as `[a,b]`, `{a,b}` or JSON.
import { z } from 'zod';
import type { ConfigFieldInfo } from './config-fields.ts';
import { unwrapSchema } from './schema-helpers.ts';

export type ConvertedConfigValue = { ok: true; value: unknown } | { ok: false; problem: string };

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function convertConfigValue(
  field: Pick<ConfigFieldInfo, 'type' | 'schema' | 'values' | 'segments'>,
  raw: string,
): ConvertedConfigValue {
  const text = raw.trim();
  const fail = (problem: string): ConvertedConfigValue => ({ ok: false, problem });
  switch (field.type) {
    case 'boolean':
      return /^(true|false)$/i.test(text)
        ? { ok: true, value: text.toLowerCase() === 'true' }
        : fail(`expected true or false, got ${JSON.stringify(raw)}`);
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!NUMBER.test(text) || !Number.isFinite(n))
        return fail(`expected ${field.type}, got ${JSON.stringify(raw)}`);
      if (field.type === 'integer' && !Number.isSafeInteger(n))
        return fail(`expected integer, got ${JSON.stringify(raw)}`);
      return { ok: true, value: n };
    }
    case 'string':
      return { ok: true, value: unquote(text) };
    case 'enum': {
      const value = unquote(text);
      const values = field.values ?? [];
      return values.includes(value)
        ? { ok: true, value }
        : fail(
            `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(raw)}`,
          );
    }
    case 'map':
      return convertMap(field.schema, text);
    case 'list':
      return convertList(field.schema, text);
    case 'object': {
      const first = Object.keys((field.schema as z.ZodObject).shape)[0] ?? 'field';
      return fail(
        `is a section; set its fields one at a time (e.g. ${[...field.segments, first].join('.')})`,
      );
    }
  }
}

function convertMap(schema: z.ZodType, text: string): ConvertedConfigValue {
  if (!(schema instanceof z.ZodRecord)) return { ok: false, problem: 'not a map' };
  const valueField = leafField(schema.valueType as z.ZodType);
  const json = tryJson(text);
  let entries: [string, unknown][];
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      return { ok: false, problem: 'expected a map like {key:value}' };
    entries = Object.entries(json);
  } else {
    if (!text.startsWith('{') || !text.endsWith('}'))
      return { ok: false, problem: `expected a map like {key:value}, got ${JSON.stringify(text)}` };
    entries = [];
    for (const item of splitItems(text.slice(1, -1))) {
      const colon = item.indexOf(':');
      if (colon <= 0) return { ok: false, problem: `map entry ${JSON.stringify(item)} is not key:value` };
      entries.push([unquote(item.slice(0, colon).trim()), item.slice(colon + 1)]);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key === '__proto__') return { ok: false, problem: '"__proto__" is not allowed as a key' };
    const converted =
      typeof value === 'string' && valueField
        ? convertConfigValue(valueField, value)
        : { ok: true as const, value };
    if (!converted.ok) return { ok: false, problem: `${key}: ${converted.problem}` };
    Object.defineProperty(out, key, {
      value: converted.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ok: true, value: out };
}

function convertList(schema: z.ZodType, text: string): ConvertedConfigValue {
  if (!(schema instanceof z.ZodArray)) return { ok: false, problem: 'not a list' };
  const elementField = leafField(schema.element as z.ZodType);
  const json = tryJson(text);
  let items: unknown[];
  if (Array.isArray(json)) items = json;
  else if ((text.startsWith('[') && text.endsWith(']')) || (text.startsWith('{') && text.endsWith('}'))) {
    items = splitItems(text.slice(1, -1));
  } else return { ok: false, problem: `expected a list like [a,b], got ${JSON.stringify(text)}` };
  const out: unknown[] = [];
  for (const [i, item] of items.entries()) {
    const converted =
      typeof item === 'string' && elementField
        ? convertConfigValue(elementField, item)
        : { ok: true as const, value: item };
    if (!converted.ok) return { ok: false, problem: `[${i}]: ${converted.problem}` };
    out.push(converted.value);
  }
  return { ok: true, value: out };
}

/** A field description for map values / list elements of plain types (undefined for nested containers). */
function leafField(
  schema: z.ZodType,
): Pick<ConfigFieldInfo, 'type' | 'schema' | 'values' | 'segments'> | undefined {
  const inner = unwrapSchema(schema);
  const segments: string[] = [];
  if (inner instanceof z.ZodString) return { type: 'string', schema: inner, segments };
  if (inner instanceof z.ZodBoolean) return { type: 'boolean', schema: inner, segments };
  if (inner instanceof z.ZodNumber)
    return { type: /int/.test(inner.format ?? '') ? 'integer' : 'number', schema: inner, segments };
  if (inner instanceof z.ZodEnum)
    return { type: 'enum', schema: inner, segments, values: inner.options.map(String) };
  return undefined;
}

/** Items separated by commas outside quotes and braces; empty input = no items. */
function splitItems(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      items.push(body.slice(start, i));
      start = i + 1;
    }
  }
  items.push(body.slice(start));
  const trimmed = items.map((s) => s.trim());
  return trimmed.length === 1 && trimmed[0] === '' ? [] : trimmed;
}

/** Trims, then removes one pair of matching surrounding quotes. */
function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.at(-1) === t[0]) return t.slice(1, -1);
  return t;
}

function tryJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
