// The one config loader behind edgecore, cloudcore and controllermanager:
// defaults -> YAML file -> a few env vars -> overrides (flags), merged once,
// validated once against the daemon's schema (every problem reported as
// `path: problem`, with the file line when the value came from the file) and
// deeply frozen. Pure apart from reading the one file.
import type { z } from 'zod';
import { deepMerge, type DeepPartial } from './config-data.ts';
import { applyEnvBindings, type ConfigEnvBinding } from './config-env.ts';
import { parseConfigText, readConfigFile } from './config-file.ts';
import { applyOverrides } from './config-flags.ts';
import { validateConfig, type IssueSource } from './config-problems.ts';

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
  const fromFile = deepMerge(options.defaults, file?.value);
  const env = applyEnvBindings(fromFile, options.envBindings ?? [], options.env ?? process.env);
  const flags = applyOverrides(env.value, options.overrides);
  const overridden = [...env.sources.keys(), ...flags.paths];
  const where = (path: readonly PropertyKey[]): IssueSource => {
    const key = path.map(String).join('.');
    const fromEnv = env.sources.get(key);
    if (fromEnv) return { note: ` (from ${fromEnv})` };
    if (overridden.some((p) => key === p || key.startsWith(p + '.') || p.startsWith(key + '.')))
      return { note: '' };
    const line = file?.lineOf(path);
    return line === undefined ? { note: '' } : { note: ` (line ${line})`, line };
  };
  return validateConfig(options.schema, flags.value, {
    label: options.file ?? `${options.name} config`,
    file: options.file,
    where,
  });
}
