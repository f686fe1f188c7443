// cloudcore: the only place that reads argv, installs signal handlers and exits.
import { runDaemon } from '@kedge/runtime';
import { startCloudCore } from './app.ts';
import { defaultCloudCoreConfig, loadCloudCoreConfig, renderCloudCoreConfig } from './config/index.ts';

process.exit(
  await runDaemon({
    name: 'cloudcore',
    usage: `usage: cloudcore [--config FILE] [--defaultconfig]
  --config FILE     cloudcore.yaml (defaults apply to what it leaves out)
  --defaultconfig   print the reference configuration and exit`,
    renderDefaultConfig: () => renderCloudCoreConfig(defaultCloudCoreConfig()),
    loadConfig: (file) => loadCloudCoreConfig(file ? { file } : {}),
    start: startCloudCore,
  }),
);
