// supervisor: argv, signals and the exit code around runSupervisor.
//   supervisor [--restart-delay-ms N] [--max-delay-ms N] -- <node args...>
import { parseArgs } from 'node:util';
import { KedgeError, errorMessage } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { runSupervisor } from './supervisor.ts';

const USAGE = `usage: supervisor [--restart-delay-ms N] [--max-delay-ms N] [--reset-after-ms N] -- <node args...>
  Runs node with the given arguments and restarts it whenever it exits
  (first after N ms, doubling up to --max-delay-ms, reset after a run of
  --reset-after-ms). SIGTERM/SIGINT are forwarded; then the supervisor exits.`;

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new KedgeError('KEDGE_CLI_USAGE', `--${name}: "${value}" is not a non-negative integer`, {
      fields: [`--${name}`],
    });
  }
  return n;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'restart-delay-ms': { type: 'string' },
        'max-delay-ms': { type: 'string' },
        'reset-after-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err: unknown) {
    process.stderr.write(`supervisor: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(`supervisor: no node arguments after --\n${USAGE}\n`);
    return 2;
  }
  let delays;
  try {
    delays = {
      restartDelayMs: intOption('restart-delay-ms', parsed.values['restart-delay-ms']),
      maxDelayMs: intOption('max-delay-ms', parsed.values['max-delay-ms']),
      resetAfterMs: intOption('reset-after-ms', parsed.values['reset-after-ms']),
    };
  } catch (err: unknown) {
    process.stderr.write(`supervisor: ${errorMessage(err)}\n`);
    return 2;
  }
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort(signal));
  return runSupervisor({
    args: parsed.positionals,
    ...Object.fromEntries(Object.entries(delays).filter(([, v]) => v !== undefined)),
    log: createLogger({ name: 'supervisor' }),
    signal: stop.signal,
  });
}

process.exitCode = await main();
