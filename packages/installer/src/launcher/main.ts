// launcher: argv, signals and the exit code around runLauncher (launcher.ts).
//   launcher --root R --config F [--node-binary P]
import { parseArgs } from 'node:util';
import { errorMessage } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { DEFAULT_INSTALL_ROOT, INSTALL_ROOT_ENV } from '../install/install-layout.ts';
import { runLauncher } from './launcher.ts';

const USAGE = `usage: launcher [--root DIR] --config FILE [--node-binary PATH]
  --root DIR          install root (default $${INSTALL_ROOT_ENV}, else ${DEFAULT_INSTALL_ROOT})
  --config FILE       edgecore.yaml, passed to edgecore
  --node-binary PATH  node that runs edgecore (default: the one running the launcher)`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        root: { type: 'string' },
        config: { type: 'string' },
        'node-binary': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err: unknown) {
    process.stderr.write(`launcher: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!args.config) {
    process.stderr.write(`launcher: --config: required\n${USAGE}\n`);
    return 2;
  }
  const log = createLogger({ name: 'launcher' });
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort(signal));
  return runLauncher({
    root: args.root ?? (process.env[INSTALL_ROOT_ENV] || DEFAULT_INSTALL_ROOT),
    configFile: args.config,
    ...(args['node-binary'] ? { nodeBinary: args['node-binary'] } : {}),
    log,
    signal: stop.signal,
  });
}

process.exitCode = await main();
