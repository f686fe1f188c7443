// controllermanager: the only place that reads argv, installs signal handlers and exits.
import { parseArgs } from 'node:util';
import { errorMessage, hasCode } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { startControllerManager } from './app.ts';
import {
  defaultControllerManagerConfig,
  loadControllerManagerConfig,
  parseFeatureGates,
  renderControllerManagerConfig,
} from './config/index.ts';

const USAGE = `usage: controllermanager [--config FILE] [--defaultconfig] [--feature-gates=GATES]
  --config FILE          controllermanager.yaml (defaults apply to what it leaves out)
  --defaultconfig        print the reference configuration and exit
  --feature-gates GATES  e.g. disableNodeTaskV1alpha2 or disableNodeTaskV1alpha2=true (overrides the file)`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        defaultconfig: { type: 'boolean' },
        'feature-gates': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`controllermanager: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.defaultconfig) {
    process.stdout.write(renderControllerManagerConfig(defaultControllerManagerConfig()));
    return 0;
  }
  const log = createLogger({ name: 'controllermanager' });
  let running;
  try {
    const gates = args['feature-gates'];
    const config = loadControllerManagerConfig({
      ...(args.config !== undefined ? { file: args.config } : {}),
      ...(gates !== undefined ? { overrides: { featureGates: parseFeatureGates(gates) } } : {}),
    });
    running = await startControllerManager(config, log);
  } catch (err) {
    const configProblem =
      hasCode(err, 'KEDGE_CONFIG_INVALID') ||
      hasCode(err, 'KEDGE_CONFIG_UNREADABLE') ||
      hasCode(err, 'KEDGE_LISTEN_FAILED');
    process.stderr.write(`controllermanager: ${errorMessage(err)}\n`);
    if (!configProblem) log.error({ err }, 'controllermanager failed to start');
    return configProblem ? 2 : 1;
  }
  const stopping = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  await stopping;
  log.info('stopping');
  const timer = setTimeout(() => {
    log.error('stop took over 10 s; exiting anyway');
    process.exit(1);
  }, 10_000);
  await running.stop();
  clearTimeout(timer);
  log.info('stopped');
  return 0;
}

process.exitCode = await main();
