// Loading and rendering cloudcore.yaml through the shared config loader.
import { loadConfig, renderConfig, type ConfigEnvBinding, type DeepPartial } from '@kedge/runtime';
import { CloudCoreConfigSchema, defaultCloudCoreConfig, type CloudCoreConfig } from './cloudcore-config.ts';

/** Env vars that set one field each (applied after the file, before overrides). */
const CLOUDCORE_ENV: readonly ConfigEnvBinding[] = [
  { env: 'KEDGE_STORE_PATH', path: ['store', 'sqlite', 'path'], type: 'string' },
  { env: 'KEDGE_CLOUDHUB_PORT', path: ['modules', 'cloudHub', 'websocket', 'port'], type: 'integer' },
];

export interface LoadCloudCoreConfigOptions {
  /** cloudcore.yaml; when absent only defaults, env and overrides apply. */
  file?: string;
  /** The file's content when already read (`file` then only names it in messages). */
  text?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** From flags; applied last. */
  overrides?: DeepPartial<CloudCoreConfig>;
}

/** defaults -> file -> env -> overrides, validated and deeply frozen. */
export function loadCloudCoreConfig(options: LoadCloudCoreConfigOptions = {}): CloudCoreConfig {
  return loadConfig<CloudCoreConfig>({
    name: 'cloudcore',
    schema: CloudCoreConfigSchema,
    defaults: defaultCloudCoreConfig(),
    envBindings: CLOUDCORE_ENV,
    ...options,
  });
}

/** The YAML `cloudcore --defaultconfig` prints (with a comment per field). */
export function renderCloudCoreConfig(config: CloudCoreConfig): string {
  return renderConfig(
    CloudCoreConfigSchema,
    config,
    'kedge cloudcore configuration (output of `cloudcore --defaultconfig`).\n' +
      'Env vars override the file: KEDGE_STORE_PATH, KEDGE_CLOUDHUB_PORT.',
  );
}
