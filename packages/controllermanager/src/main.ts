// controllermanager: the only place that reads argv, installs signal handlers and exits.
import { runDaemon } from '@kedge/runtime';
import { startControllerManager } from './app.ts';
import {
  defaultControllerManagerConfig,
  loadControllerManagerConfig,
  parseFeatureGates,
  renderControllerManagerConfig,
} from './config/index.ts';

process.exit(
  await runDaemon({
    name: 'controllermanager',
    usage: `usage: controllermanager [--config FILE] [--defaultconfig] [--feature-gates=GATES]
  --config FILE          controllermanager.yaml (defaults apply to what it leaves out)
  --defaultconfig        print the reference configuration and exit
  --feature-gates GATES  e.g. disableNodeTaskV1alpha2 or disableNodeTaskV1alpha2=true (overrides the file)`,
    options: { 'feature-gates': { type: 'string' } },
    renderDefaultConfig: () => renderControllerManagerConfig(defaultControllerManagerConfig()),
    loadConfig: (file, args) => {
      const gates = args['feature-gates'];
      return loadControllerManagerConfig({
        ...(file !== undefined ? { file } : {}),
        ...(typeof gates === 'string' ? { overrides: { featureGates: parseFeatureGates(gates) } } : {}),
      });
    },
    start: (config, log) => startControllerManager(config, log),
    configErrorCodes: ['KEDGE_LISTEN_FAILED'],
  }),
);
