// The env layer: a few env vars that each set one config field.
import { valueAt } from '@kedge/api';
import { setIn } from './config-data.ts';

/** An env var that sets one config field; empty values count as unset. */
export interface ConfigEnvBinding {
  readonly env: string;
  readonly path: readonly string[];
  readonly type: 'string' | 'integer';
}

/**
 * `config` with every set env var applied, and which field each one set
 * (`a.b` -> `ENV_NAME`, for messages); integer vars that look like integers
 * become numbers, anything else is left as text for validation to report.
 */
export function applyEnvBindings(
  config: unknown,
  bindings: readonly ConfigEnvBinding[],
  env: NodeJS.ProcessEnv,
): { value: unknown; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  let value = config;
  for (const binding of bindings) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    const typed = binding.type === 'integer' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    value = setIn(value, binding.path, typed);
    if (valueAt(value, binding.path) === typed) sources.set(binding.path.join('.'), binding.env);
  }
  return { value, sources };
}
