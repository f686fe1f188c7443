// cloudcore: the only place that reads argv, installs signal handlers and exits.
import { parseArgs } from 'node:util';
import { errorMessage, hasCode } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { startCloudCore } from './app.ts';
import { defaultCloudCoreConfig, loadCloudCoreConfig, renderCloudCoreConfig } from './config/index.ts';

const USAGE = `usage: cloudcore [--config FILE] [--defaultconfig]
  --config FILE     cloudcore.yaml (defaults apply to what it leaves out)
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
    process.stderr.write(`cloudcore: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.defaultconfig) {
    process.stdout.write(renderCloudCoreConfig(defaultCloudCoreConfig()));
    return 0;
  }
  const log = createLogger({ name: 'cloudcore' });
  let running;
  try {
    const config = loadCloudCoreConfig(args.config ? { file: args.config } : {});
    running = await startCloudCore(config, log);
  } catch (err) {
    const configProblem = hasCode(err, 'KEDGE_CONFIG_INVALID') || hasCode(err, 'KEDGE_CONFIG_UNREADABLE');
    process.stderr.write(`cloudcore: ${errorMessage(err)}\n`);
    if (!configProblem) log.error({ err }, 'cloudcore failed to start');
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
