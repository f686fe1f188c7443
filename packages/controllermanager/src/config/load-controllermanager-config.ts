// Loading and rendering controllermanager.yaml through the shared config
// loader, and the --feature-gates flag.
import { FEATURE_GATES, type FeatureGates } from '@kedge/api';
import {
  loadConfig,
  parseFeatureGates as parseGates,
  renderConfig,
  type ConfigEnvBinding,
  type DeepPartial,
} from '@kedge/runtime';
import {
  ControllerManagerConfigSchema,
  defaultControllerManagerConfig,
  type ControllerManagerConfig,
} from './controllermanager-config.ts';

/** Env vars that set one field each (applied after the file, before overrides). */
const CONTROLLERMANAGER_ENV: readonly ConfigEnvBinding[] = [
  { env: 'KEDGE_STORE_PATH', path: ['store', 'sqlite', 'path'], type: 'string' },
];

export interface LoadControllerManagerConfigOptions {
  /** controllermanager.yaml; when absent only defaults, env and overrides apply. */
  file?: string;
  /** The file's content when already read (`file` then only names it in messages). */
  text?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** From flags (e.g. `{ featureGates: parseFeatureGates(flag) }`); applied last. */
  overrides?: DeepPartial<ControllerManagerConfig>;
}

/** defaults -> file -> env -> overrides, validated and deeply frozen. */
export function loadControllerManagerConfig(
  options: LoadControllerManagerConfigOptions = {},
): ControllerManagerConfig {
  return loadConfig<ControllerManagerConfig>({
    name: 'controllermanager',
    schema: ControllerManagerConfigSchema,
    defaults: defaultControllerManagerConfig(),
    envBindings: CONTROLLERMANAGER_ENV,
    ...options,
  });
}

/**
 * `--feature-gates=disableNodeTaskV1alpha2` (a bare name means true) or
 * `name=true|false`, comma separated. Returns only the gates named; throws
 * KEDGE_CONFIG_INVALID naming each unknown gate or bad value.
 */
export function parseFeatureGates(text: string): Partial<FeatureGates> {
  return parseGates(text, FEATURE_GATES);
}

/** The YAML `controllermanager --defaultconfig` prints (with a comment per field). */
export function renderControllerManagerConfig(config: ControllerManagerConfig): string {
  return renderConfig(
    ControllerManagerConfigSchema,
    config,
    'kedge controllermanager configuration (output of `controllermanager --defaultconfig`).\n' +
      'Env vars override the file: KEDGE_STORE_PATH. Flag --feature-gates overrides featureGates.',
  );
}
