// edgecore: the only place that reads argv, installs signal handlers and exits.
import { parseArgs } from 'node:util';
import { errorMessage, hasCode } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { startEdgeCore } from './app.ts';
import { defaultEdgeCoreConfig, loadEdgeCoreConfig, renderEdgeCoreConfig } from './config/index.ts';
import { removePidFile, writePidFile } from './install/edgecore-pid.ts';
import { INSTALL_ROOT_ENV } from './install/install-layout.ts';

const USAGE = `usage: edgecore [--config FILE] [--defaultconfig]
  --config FILE     edgecore.yaml (defaults apply to what it leaves out)
  --defaultconfig   print the reference configuration and exit`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        defaultconfig: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`edgecore: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.defaultconfig) {
    process.stdout.write(renderEdgeCoreConfig(defaultEdgeCoreConfig()));
    return 0;
  }
  const log = createLogger({ name: 'edgecore' });
  // Set by the launcher: then edgecore commits install markers and records its pid for keadm.
  const installRoot = process.env[INSTALL_ROOT_ENV] || undefined;
  let running;
  try {
    const config = loadEdgeCoreConfig(args.config ? { file: args.config } : {});
    running = await startEdgeCore(config, log, { configFile: args.config, installRoot });
  } catch (err) {
    const configProblem = hasCode(err, 'KEDGE_CONFIG_INVALID') || hasCode(err, 'KEDGE_CONFIG_UNREADABLE');
    process.stderr.write(`edgecore: ${errorMessage(err)}\n`);
    if (!configProblem) log.error({ err }, 'edgecore failed to start');
    return configProblem ? 2 : 1;
  }
  if (running.install) {
    try {
      writePidFile(running.install);
    } catch (err) {
      log.warn({ err: errorMessage(err), file: running.install.pidFile }, 'could not write the pid file');
    }
  }
  const stopping = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  // A requested restart is a clean stop with exit code 0: the launcher exits too and its supervisor restarts it.
  const why = await Promise.race([stopping, running.restartRequested.then((reason) => `restart: ${reason}`)]);
  log.info({ why }, 'stopping');
  const timer = setTimeout(() => {
    log.error('stop took over 10 s; exiting anyway');
    process.exit(1);
  }, 10_000);
  await running.stop();
  clearTimeout(timer);
  if (running.install) removePidFile(running.install);
  log.info('stopped');
  return 0;
}

process.exitCode = await main();
