// Loading and rendering edgecore.yaml through the shared config loader.
import { loadConfig, renderConfig, type ConfigEnvBinding, type DeepPartial } from '@kedge/runtime';
import { defaultEdgeCoreConfig, EdgeCoreConfigSchema, type EdgeCoreConfig } from './edgecore-config.ts';

/** Env vars that set one field each (applied after the file, before overrides). */
export const EDGECORE_ENV: readonly ConfigEnvBinding[] = [
  { env: 'KEDGE_NODE_NAME', path: ['modules', 'edged', 'hostnameOverride'], type: 'string' },
  { env: 'KEDGE_EDGE_TOKEN', path: ['modules', 'edgeHub', 'token'], type: 'string' },
  { env: 'KEDGE_CLOUD_SERVER', path: ['modules', 'edgeHub', 'websocket', 'server'], type: 'string' },
];

export interface LoadEdgeCoreConfigOptions {
  /** edgecore.yaml; when absent only defaults, env and overrides apply. */
  file?: string;
  /** The file's content when already read (`file` then only names it in messages). */
  text?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** From flags; applied last. */
  overrides?: DeepPartial<EdgeCoreConfig>;
}

/** defaults -> file -> env -> overrides, validated and deeply frozen. */
export function loadEdgeCoreConfig(options: LoadEdgeCoreConfigOptions = {}): EdgeCoreConfig {
  return loadConfig<EdgeCoreConfig>({
    name: 'edgecore',
    schema: EdgeCoreConfigSchema,
    defaults: defaultEdgeCoreConfig(),
    envBindings: EDGECORE_ENV,
    ...options,
  });
}

/** The YAML `edgecore --defaultconfig` prints (with a comment per field). */
export function renderEdgeCoreConfig(config: EdgeCoreConfig): string {
  return renderConfig(
    EdgeCoreConfigSchema,
    config,
    'kedge edgecore configuration (output of `edgecore --defaultconfig`).\n' +
      'Env vars override the file: KEDGE_NODE_NAME, KEDGE_EDGE_TOKEN, KEDGE_CLOUD_SERVER.',
  );
}
