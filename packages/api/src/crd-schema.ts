// Turns the JSON Schema zod emits (OpenAPI 3.0 flavour) into a Kubernetes
// *structural* schema: every node typed, no $ref / anyOf / propertyNames,
// loose objects as x-kubernetes-preserve-unknown-fields, string|number as
// x-kubernetes-int-or-string. Anything it cannot map is an error, so an
// unsupported zod construct fails generation instead of a kubectl apply.
import { KedgeError } from './errors.ts';

export type OpenApiSchema = { [key: string]: unknown };

/** Keywords copied as they are (all valid in apiextensions.k8s.io/v1 JSONSchemaProps). */
const PASSTHROUGH = new Set([
  'description',
  'type',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'enum',
  'nullable',
  'default',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
]);

/** Keywords dropped: meaningless or implied for Kubernetes. */
const DROPPED = new Set(['$schema', 'propertyNames', 'id', '$id', 'title']);

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';

export function toStructuralSchema(input: OpenApiSchema, path = '(root)'): OpenApiSchema {
  const fail = (problem: string): never => {
    throw new KedgeError('KEDGE_INTERNAL', `CRD schema at ${path}: ${problem}`, { fields: [path] });
  };
  if (Array.isArray(input.anyOf)) return fromAnyOf(input, path, fail);

  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(input)) {
    if (PASSTHROUGH.has(key)) out[key] = value;
    else if (key === 'const') out.enum = [value];
    else if (key === 'required') {
      if (Array.isArray(value) && value.length > 0) out.required = value;
    } else if (key === 'properties')
      out.properties = mapProperties(value as Record<string, OpenApiSchema>, path);
    else if (key === 'items') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        fail('tuple items are not supported');
      out.items = toStructuralSchema(value as OpenApiSchema, `${path}[]`);
    } else if (key === 'additionalProperties') additionalProperties(out, input, value, path, fail);
    else if (!DROPPED.has(key)) fail(`unsupported keyword "${key}"`);
  }
  if (typeof out.type !== 'string' && out.type !== undefined) fail('type must be a single name');
  // Integers: drop the ±2^53 bounds zod adds for "safe" integers.
  if (out.type === 'integer') {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  // z.unknown(): any value at all.
  if (out.type === undefined && out[PRESERVE] !== true && out['x-kubernetes-int-or-string'] !== true) {
    if (Object.keys(out).some((k) => k !== 'description')) fail('a schema without type must be z.unknown()');
    out[PRESERVE] = true;
  }
  return ordered(out);
}

/** description, type, then the rest in the order zod gave them: stable and easy to read. */
function ordered(schema: OpenApiSchema): OpenApiSchema {
  const { description, type, ...rest } = schema;
  return {
    ...(description !== undefined ? { description } : {}),
    ...(type !== undefined ? { type } : {}),
    ...rest,
  };
}

function mapProperties(props: Record<string, OpenApiSchema>, path: string): OpenApiSchema {
  const out: OpenApiSchema = {};
  for (const [name, schema] of Object.entries(props)) {
    out[name] = toStructuralSchema(schema, path === '(root)' ? name : `${path}.${name}`);
  }
  return out;
}

function additionalProperties(
  out: OpenApiSchema,
  input: OpenApiSchema,
  value: unknown,
  path: string,
  fail: (problem: string) => never,
): void {
  if (value === false) return; // strict objects: the API server prunes unknown fields and kubectl reports them
  const anything =
    value === true || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
  if (anything) {
    out[PRESERVE] = true;
    return;
  }
  if (input.properties !== undefined) fail('properties and a typed additionalProperties cannot be combined');
  out.additionalProperties = toStructuralSchema(value as OpenApiSchema, `${path}.*`);
}

function fromAnyOf(input: OpenApiSchema, path: string, fail: (problem: string) => never): OpenApiSchema {
  const branches = input.anyOf as OpenApiSchema[];
  const types = branches.map((b) => b.type);
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'anyOf'));
  if (
    types.length === 2 &&
    types.includes('string') &&
    (types.includes('number') || types.includes('integer'))
  ) {
    return toStructuralSchema({ ...rest, 'x-kubernetes-int-or-string': true }, path);
  }
  const nonNull = branches.filter((b) => b.type !== 'null');
  if (nonNull.length === 1 && branches.length === 2) {
    return { ...toStructuralSchema({ ...rest, ...nonNull[0] }, path), nullable: true };
  }
  return fail('unions other than string|number and X|null are not supported');
}

/** Problems that would make a schema non-structural; empty when it is fine. Used by tests. */
export function structuralProblems(schema: OpenApiSchema, path = '(root)'): string[] {
  const problems: string[] = [];
  const typed =
    typeof schema.type === 'string' ||
    schema[PRESERVE] === true ||
    schema['x-kubernetes-int-or-string'] === true;
  if (!typed) problems.push(`${path}: no type`);
  for (const key of [
    '$ref',
    '$schema',
    '$defs',
    'definitions',
    'anyOf',
    'oneOf',
    'allOf',
    'not',
    'patternProperties',
  ]) {
    if (key in schema) problems.push(`${path}: has ${key}`);
  }
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) {
    problems.push(`${path}: both properties and additionalProperties`);
  }
  if (schema.additionalProperties === false) problems.push(`${path}: additionalProperties: false`);
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, OpenApiSchema>)) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (typeof schema.items === 'object' && schema.items !== null) {
    problems.push(...structuralProblems(schema.items as OpenApiSchema, `${path}[]`));
  }
  if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
    problems.push(...structuralProblems(schema.additionalProperties as OpenApiSchema, `${path}.*`));
  }
  return problems;
}
