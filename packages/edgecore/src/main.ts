// edgecore: the only place that reads argv, installs signal handlers and exits.
import { errorMessage } from '@kedge/api';
import { runDaemon } from '@kedge/runtime';
import { startEdgeCore } from './app.ts';
import { defaultEdgeCoreConfig, loadEdgeCoreConfig, renderEdgeCoreConfig } from './config/index.ts';
import {
  recordConfigTrialFailure,
  removePidFile,
  writePidFile,
  installLayout,
  INSTALL_ROOT_ENV,
} from '@kedge/installer';

// Set by the launcher: then edgecore commits install markers and records its pid for keadm.
const installRoot = process.env[INSTALL_ROOT_ENV] || undefined;

/** A config update on trial that makes edgecore fail: the marker keeps the cause for the rollback reason. */
function noteStartFailure(configFile: string | undefined, err: unknown): void {
  if (installRoot && configFile)
    recordConfigTrialFailure(installLayout(installRoot), { configFile, error: errorMessage(err) });
}

process.exit(
  await runDaemon({
    name: 'edgecore',
    usage: `usage: edgecore [--config FILE] [--defaultconfig]
  --config FILE     edgecore.yaml (defaults apply to what it leaves out)
  --defaultconfig   print the reference configuration and exit`,
    renderDefaultConfig: () => renderEdgeCoreConfig(defaultEdgeCoreConfig()),
    loadConfig: (file) => {
      try {
        return loadEdgeCoreConfig(file ? { file } : {});
      } catch (err: unknown) {
        noteStartFailure(file, err);
        throw err;
      }
    },
    start: async (config, log, args) => {
      const configFile = typeof args.config === 'string' ? args.config : undefined;
      let running;
      try {
        running = await startEdgeCore(config, log, { configFile, installRoot });
      } catch (err: unknown) {
        noteStartFailure(configFile, err);
        throw err;
      }
      const install = running.install;
      if (!install) return running;
      try {
        writePidFile(install);
      } catch (err) {
        log.warn({ err: errorMessage(err), file: install.pidFile }, 'could not write the pid file');
      }
      return { ...running, stop: () => running.stop().then(() => removePidFile(install)) };
    },
    // A requested restart is a clean stop with exit code 0: the launcher exits too and its supervisor restarts it.
    stopRequested: (running) => running.restartRequested.then((reason) => `restart: ${reason}`),
  }),
);
