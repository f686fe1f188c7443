// ConfigUpdateJob `updateFields` ({"modules.edgeStream.enable": "true"}) applied
// to a config: each path is resolved in the schema, each string converted to
// the field's type, and the result validated as a whole. Every bad path or
// value is reported at once; a bad entry is never skipped.
import type { z } from 'zod';
import { convertConfigValue, lookupConfigField } from '@kedge/api';
import {
  configInvalid,
  configIssueMessage,
  configProblems,
  deepEqual,
  deepFreeze,
  setIn,
  valueAt,
} from '@kedge/runtime';
import { EdgeCoreConfigSchema, type EdgeCoreConfig } from './edgecore-config.ts';

export interface ConfigEdit {
  readonly path: string;
  readonly segments: readonly (string | number)[];
  readonly value: unknown;
}

/**
 * Returns `config` with `updateFields` applied, validated and frozen. When no
 * value changes, returns `config` itself (so `result === config` means "nothing
 * to do, no restart needed"). Throws KEDGE_CONFIG_INVALID naming each bad path.
 */
export function applyConfigUpdate(
  config: EdgeCoreConfig,
  updateFields: Readonly<Record<string, string>>,
): EdgeCoreConfig {
  return applyConfigFieldUpdates(EdgeCoreConfigSchema, config, updateFields);
}

/** The same for any config schema. */
function applyConfigFieldUpdates<T>(
  schema: z.ZodType<T>,
  config: T,
  updateFields: Readonly<Record<string, string>>,
): T {
  const { next, problems } = planConfigUpdate(schema, config, updateFields);
  if (problems.length) throw configInvalid('config update', problems);
  if (deepEqual(next, config)) return config;
  const result = schema.safeParse(next, { error: configIssueMessage });
  if (!result.success) throw configInvalid('config update', configProblems(result.error));
  return deepFreeze(result.data);
}

/** Resolves and converts every entry and sets it on a copy of `config` (not yet validated as a whole). */
export function planConfigUpdate<T>(
  schema: z.ZodType<T>,
  config: T,
  updateFields: Readonly<Record<string, string>>,
): { next: unknown; edits: ConfigEdit[]; problems: string[] } {
  let next: unknown = config;
  const edits: ConfigEdit[] = [];
  const problems: string[] = [];
  for (const [path, raw] of Object.entries(updateFields)) {
    const found = lookupConfigField(schema, path);
    if (!found.ok) {
      problems.push(`${path}: ${found.problem}`);
      continue;
    }
    const converted = convertConfigValue(found.field, raw);
    const indexProblem = checkIndices(next, found.field.segments);
    if (!converted.ok || indexProblem) {
      problems.push(`${path}: ${indexProblem ?? (converted.ok ? '' : converted.problem)}`);
      continue;
    }
    next = setIn(next, found.field.segments, converted.value);
    edits.push({ path, segments: found.field.segments, value: converted.value });
  }
  return { next, edits, problems };
}

/** A list index may address an existing item, or (as the last segment) append one. */
function checkIndices(config: unknown, segments: readonly (string | number)[]): string | undefined {
  for (const [k, segment] of segments.entries()) {
    if (typeof segment !== 'number') continue;
    const list = valueAt(config, segments.slice(0, k));
    const length = Array.isArray(list) ? list.length : 0;
    const last = k === segments.length - 1;
    if (segment > length || (!last && segment === length)) {
      const items = length === 1 ? '1 item' : `${length} items`;
      return `index ${segment} is out of range (the list has ${items}${last ? `; [${length}] appends` : ''})`;
    }
  }
  return undefined;
}
