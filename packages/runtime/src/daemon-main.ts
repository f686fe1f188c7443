// The shape every kedge daemon's main.ts shares: parse argv, print the
// reference config on --defaultconfig, load and validate the config, start,
// wait for SIGTERM/SIGINT (or the daemon's own stop request), stop within a
// bound. Returns the exit code; main.ts itself calls process.exit with it.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { errorMessage, hasCode } from '@kedge/api';
import { createLogger, type Logger } from './logger.ts';

export type DaemonArgs = Record<string, string | boolean | undefined>;

export interface DaemonSpec<C, R extends { stop(): Promise<void> }> {
  name: string;
  usage: string;
  /** Flags beyond --config, --defaultconfig and --help. */
  options?: ParseArgsOptionsConfig;
  renderDefaultConfig(): string;
  loadConfig(file: string | undefined, args: DaemonArgs): C;
  start(config: C, log: Logger, args: DaemonArgs): Promise<R>;
  /** Resolves with a reason when the daemon asks to stop by itself (e.g. a restart after an upgrade). */
  stopRequested?(running: R): Promise<string>;
  /** Errors that mean "fix your config or flags" (exit 2) besides the config codes. */
  configErrorCodes?: readonly string[];
  stopTimeoutMs?: number;
}

export async function runDaemon<C, R extends { stop(): Promise<void> }>(
  spec: DaemonSpec<C, R>,
  argv: string[] = process.argv.slice(2),
): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        defaultconfig: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...spec.options,
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${spec.name}: ${errorMessage(err)}\n${spec.usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(spec.usage + '\n');
    return 0;
  }
  if (args.defaultconfig) {
    process.stdout.write(spec.renderDefaultConfig());
    return 0;
  }
  const log = createLogger({ name: spec.name });
  let running: R;
  try {
    const file = typeof args.config === 'string' ? args.config : undefined;
    running = await spec.start(spec.loadConfig(file, args), log, args);
  } catch (err) {
    const codes = ['KEDGE_CONFIG_INVALID', 'KEDGE_CONFIG_UNREADABLE', ...(spec.configErrorCodes ?? [])];
    const configProblem = codes.some((code) => hasCode(err, code as Parameters<typeof hasCode>[1]));
    process.stderr.write(`${spec.name}: ${errorMessage(err)}\n`);
    if (!configProblem) log.error({ err }, `${spec.name} failed to start`);
    return configProblem ? 2 : 1;
  }
  const signalled = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  const why = await Promise.race([signalled, ...(spec.stopRequested ? [spec.stopRequested(running)] : [])]);
  log.info({ why }, 'stopping');
  const bound = spec.stopTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    running.stop().then(() => 'stopped' as const),
    // eslint-disable-next-line no-restricted-globals -- the process stop bound runs on wall time whatever clock the daemon was given
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), bound))),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.error(`stop took over ${bound / 1000} s; exiting anyway`);
    return 1;
  }
  log.info('stopped');
  return 0;
}
