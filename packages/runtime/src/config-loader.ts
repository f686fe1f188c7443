// The one config loader behind edgecore, cloudcore and controllermanager:
// defaults -> YAML file -> a few env vars -> overrides (flags), merged once,
// validated once (every problem reported as `path: problem`, with the file
// line when the value came from the file) and deeply frozen. Pure apart from
// reading the one file: it never creates or touches anything else.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Document, type Node } from 'yaml';
import { z } from 'zod';
import {
  configValueMessage,
  describeIssues,
  errorMessage,
  isPlainObject,
  KedgeError,
  unwrapSchema,
  valueAt,
  whenObject,
} from '@kedge/api';

// Shared with @kedge/api's config schemas; re-exported for the daemons' config modules.
export { isPlainObject, unwrapSchema, valueAt, whenObject };
/** Zod messages in our words: `expected number, got string`, `must be >= 1`. */
export const configIssueMessage = configValueMessage;

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** An env var that sets one config field; empty values count as unset. */
export interface ConfigEnvBinding {
  readonly env: string;
  readonly path: readonly string[];
  readonly type: 'string' | 'integer';
}

export interface LoadConfigOptions<T> {
  /** Daemon name, used in messages when there is no file ("edgecore config"). */
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly defaults: T;
  /** The YAML file; also the name used in messages when `text` is given. */
  readonly file?: string;
  /** The file's content, when the caller already has it (then `file` is not read). */
  readonly text?: string;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly envBindings?: readonly ConfigEnvBinding[];
  readonly overrides?: DeepPartial<T>;
}

/** Loads, merges, validates and freezes a config; see the file comment. */
export function loadConfig<T>(options: LoadConfigOptions<T>): T {
  const file =
    options.text !== undefined
      ? parseConfigText(options.text, options.file ?? `${options.name} config`)
      : options.file === undefined
        ? undefined
        : readConfigFile(options.file);
  let merged = deepMerge(options.defaults, file?.value);
  const envSources = new Map<string, string>();
  const env = options.env ?? process.env;
  for (const binding of options.envBindings ?? []) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    const value = binding.type === 'integer' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    merged = setIn(merged, binding.path, value);
    if (valueAt(merged, binding.path) === value) envSources.set(binding.path.join('.'), binding.env);
  }
  const overrides = prune(options.overrides);
  merged = deepMerge(merged, overrides);
  const overridden = [...envSources.keys(), ...leafPaths(overrides)];
  const where = (path: readonly PropertyKey[]): IssueSource => {
    const key = path.map(String).join('.');
    const fromEnv = envSources.get(key);
    if (fromEnv) return { note: ` (from ${fromEnv})` };
    if (overridden.some((p) => key === p || key.startsWith(p + '.') || p.startsWith(key + '.')))
      return { note: '' };
    const line = file?.lineOf(path);
    return line === undefined ? { note: '' } : { note: ` (line ${line})`, line };
  };
  return validateConfig(options.schema, merged, {
    label: options.file ?? `${options.name} config`,
    file: options.file,
    where,
  });
}

export interface ConfigFile {
  readonly value: unknown;
  /** 1-based line of the key (or list item) at `path`, if the file has it. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** Reads and parses one YAML file; KEDGE_CONFIG_UNREADABLE names the file (and line). */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${file}: cannot read config file: ${errorMessage(err)}`,
      { file },
      { cause: err },
    );
  }
  return parseConfigText(text, file);
}

/** Parses YAML text as `file` (used in messages). */
export function parseConfigText(text: string, file: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0] ?? e.code}`;
    });
    const first = lines.linePos(doc.errors[0]?.pos[0] ?? 0).line;
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', `${file}: invalid YAML\n${problems.join('\n')}`, {
      file,
      line: first,
      fields: problems,
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${file}: invalid YAML: ${errorMessage(err)}`,
      { file },
      { cause: err },
    );
  }
  try {
    JSON.stringify(value);
  } catch (err: unknown) {
    const message = `${file}: invalid YAML: an alias refers to itself`;
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', message, { file }, { cause: err });
  }
  return { value: value ?? {}, lineOf: (path) => lineOfPath(doc.contents, path, lines) };
}

function lineOfPath(node: unknown, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  let current = node;
  let offset: number | undefined;
  for (const part of path) {
    if (isMap(current)) {
      const pair = current.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
      );
      if (!pair) return undefined;
      offset = (pair.key as Node).range?.[0];
      current = pair.value;
    } else if (isSeq(current) && typeof part === 'number') {
      const item = current.items[part] as Node | undefined;
      if (!item) return undefined;
      offset = item.range?.[0];
      current = item;
    } else return undefined;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** Validates a merged config; throws KEDGE_CONFIG_INVALID listing every problem, else returns it frozen. */
export function validateConfig<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: { label: string; file?: string; where?: (path: readonly PropertyKey[]) => IssueSource },
): T {
  const result = schema.safeParse(value, { error: configIssueMessage });
  if (result.success) return deepFreeze(result.data);
  throw configInvalid(options.label, configProblems(result.error, options.where), options.file);
}

/** Where a bad value came from: a note for the message and, for file values, the line. */
export interface IssueSource {
  readonly note: string;
  readonly line?: number;
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

/** Objects merge key by key; anything else (arrays, scalars) in `patch` replaces `base`. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return clone(base);
  if (isPlainObject(base) && isPlainObject(patch)) {
    const keys = new Set([...Object.keys(base), ...Object.keys(patch)]);
    const entries = [...keys].map((k): [string, unknown] => [k, deepMerge(base[k], patch[k])]);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return clone(patch);
}

/** Deep copy of plain data; keys whose value is undefined (unset flags) are dropped. */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, clone(v)]),
  );
}

/** Returns a copy of `obj` with `path` set; stops (leaving the bad value for validation) at a non-object. */
export function setIn(obj: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number' && Array.isArray(obj)) {
    const copy = obj.slice();
    copy[head] = setIn(obj[head], rest, value);
    return copy;
  }
  if (obj !== undefined && !isPlainObject(obj)) return obj;
  const key = String(head);
  const base = obj ?? {};
  const entries = Object.entries(base).map(([k, v]): [string, unknown] => [
    k,
    k === key ? setIn(v, rest, value) : v,
  ]);
  if (!Object.hasOwn(base, key)) entries.push([key, setIn(undefined, rest, value)]);
  return Object.fromEntries(entries);
}

/** Structural equality of plain data (objects compared by keys, not key order). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Drops undefined values (unset flags) and the objects left empty by that. */
function prune(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value)
    .map(([k, v]): [string, unknown] => [k, prune(v)])
    .filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isPlainObject(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) =>
    v === undefined ? [] : leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** YAML for a config, each field preceded by its schema description (`.describe()`). */
export function renderConfig(schema: z.ZodType, value: unknown, header: string): string {
  const doc = new Document(value);
  doc.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  attachComments(schema, doc.contents);
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

function attachComments(schema: z.ZodType, node: unknown): void {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject) || !isMap(node)) return;
  const shape = inner.shape as Record<string, z.ZodType>;
  for (const pair of node.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const field = shape[String(pair.key.value)];
    if (!field) continue;
    const description = field.description ?? unwrapSchema(field).description;
    if (description && isScalar(pair.value)) pair.value.comment = ` ${description}`;
    else if (description)
      pair.key.commentBefore = description
        .split('\n')
        .map((l) => ` ${l}`)
        .join('\n');
    attachComments(field, pair.value);
  }
}

/** `name`, `name=true`, `name=false`, comma separated; unknown gates and bad values are all reported. */
export function parseFeatureGates(
  text: string,
  known: readonly string[],
  label = '--feature-gates',
): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  const problems: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (!entry) continue;
    const [name = '', value, ...extra] = entry.split('=').map((s) => s.trim());
    if (!known.includes(name)) {
      const hint = known.find((k) => k.toLowerCase() === name.toLowerCase());
      const known_ = hint ? `did you mean "${hint}"?` : `known: ${known.join(', ')}`;
      problems.push(`${name}: unknown feature gate (${known_})`);
    } else if (extra.length || (value !== undefined && !/^(true|false)$/i.test(value))) {
      problems.push(`${name}: expected true or false, got "${entry.slice(entry.indexOf('=') + 1)}"`);
    } else gates[name] = value === undefined || value.toLowerCase() === 'true';
  }
  if (problems.length) throw configInvalid(label, problems);
  return gates;
}

// Sections shared by cloudcore and controllermanager.

export const FEATURE_GATES = ['disableNodeTaskV1alpha2'] as const;

export const FeatureGatesSchema = z
  .strictObject({
    disableNodeTaskV1alpha2: z
      .boolean()
      .describe('true = run the v1alpha1 NodeUpgradeJob/ImagePrePullJob behaviour instead of v1alpha2'),
  })
  .describe('feature gates (same names as KubeEdge)');
export type FeatureGates = z.infer<typeof FeatureGatesSchema>;

export const StoreConfigSchema = z
  .strictObject({
    backend: z
      .enum(['sqlite', 'kubernetes'])
      .describe('sqlite (embedded, one file) or kubernetes (a kube-apiserver)'),
    sqlite: z
      .strictObject({
        path: z.string().describe('database file, created on first start'),
        eventTTL: z
          .number()
          .min(0)
          .describe(
            'delete Events stored longer ago than this (seconds; kube-apiserver --event-ttl); 0 = never',
          ),
      })
      .describe('used when backend is sqlite'),
    kubernetes: z
      .strictObject({
        kubeconfig: z.string().describe('kubeconfig file; empty = $KUBECONFIG or ~/.kube/config'),
        inCluster: z.boolean().describe('use the pod service account instead of a kubeconfig'),
      })
      .describe('used when backend is kubernetes'),
  })
  .superRefine((store, ctx) => {
    if (valueAt(store, ['backend']) === 'sqlite' && valueAt(store, ['sqlite', 'path']) === '') {
      ctx.addIssue({ code: 'custom', path: ['sqlite', 'path'], message: 'required when backend is sqlite' });
    }
    const kube = valueAt(store, ['kubernetes']);
    if (valueAt(kube, ['inCluster']) === true && valueAt(kube, ['kubeconfig'])) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubernetes', 'kubeconfig'],
        message: 'must be empty when inCluster is true',
      });
    }
  }, whenObject)
  .describe('where cluster resources are stored');
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export function defaultStoreConfig(): StoreConfig {
  return {
    backend: 'sqlite',
    sqlite: { path: '/var/lib/kedge/kedge.db', eventTTL: 3600 },
    kubernetes: { kubeconfig: '', inCluster: false },
  };
}
