// The flag layer: overrides from the command line, applied last, and the
// `--feature-gates` syntax.
import { isPlainObject } from '@kedge/api';
import { deepMerge } from './config-data.ts';
import { configInvalid } from './config-problems.ts';

/** `config` with `overrides` merged over it (unset flags ignored) and the dotted paths they set. */
export function applyOverrides(config: unknown, overrides: unknown): { value: unknown; paths: string[] } {
  const pruned = prune(overrides);
  return { value: deepMerge(config, pruned), paths: leafPaths(pruned) };
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
