// edgemark: the only place that reads argv, installs signal handlers and exits.
//   node packages/edgemark/src/main.ts fleet --server 127.0.0.1:10000 --secret-file F --nodes 1000
// Progress goes to stdout as JSON lines; logs go to stderr.
import { parseArgs } from 'node:util';
import { KedgeError, errorMessage, hasCode } from '@kedge/api';
import { createLogger, every, readFieldFile } from '@kedge/runtime';
import { parseCount, parseSeconds } from './cli-numbers.ts';
import { fleetClientCerts } from './fleet-certs.ts';
import { HollowFleet } from './hollow-fleet.ts';
import { INSTANT_HANDLERS, isInstantTaskKind } from './instant-tasks.ts';

const USAGE = `usage: edgemark fleet --server HOST:PORT --secret-file FILE [options]
  --server HOST:PORT       cloudcore tunnel address (or ws://HOST:PORT)
  --secret-file FILE       the cloud's node token secret (modules.cloudHub.auth.tokenSecretFile)
  --ca-file FILE           CA of the cloud's certificate: dial wss:// and verify it
  --ca-key-file FILE       the cloud CA's key: each node presents a client certificate signed with it
                           (certificates mode, CN system:node:<name>) instead of a token
  --nodes N                hollow nodes to run (default 1000)
  --prefix NAME            node names are NAME-<index> (default hollow)
  --first-index I          index of the first node (default 0)
  --heartbeat S            keepalive interval in seconds (default 15)
  --ramp K                 handshakes in flight at once (default 200)
  --start-spread S         spread the first dials over S seconds (default 0)
  --protocol kedge|raw     raw: connect and send keepalive frames only (default kedge)
  --progress-interval S    seconds between progress lines (default 1)
  --tasks KIND             answer node tasks of KIND (NodeUpgradeJob or ConfigUpdateJob) with the
                           whole successful flow at once (instantUpgrade / instantConfigUpdate);
                           default: drop task messages, as an edgecore with taskManager off
  --pods                   hollow edged: report every pod Running the moment it arrives
Runs until SIGTERM or SIGINT, then closes every tunnel and exits.`;

async function main(argv: string[]): Promise<number> {
  let fleet: HollowFleet;
  let progressMs: number;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        'secret-file': { type: 'string' },
        'ca-file': { type: 'string' },
        'ca-key-file': { type: 'string' },
        nodes: { type: 'string', default: '1000' },
        prefix: { type: 'string', default: 'hollow' },
        'first-index': { type: 'string', default: '0' },
        heartbeat: { type: 'string', default: '15' },
        ramp: { type: 'string', default: '200' },
        'start-spread': { type: 'string', default: '0' },
        protocol: { type: 'string', default: 'kedge' },
        'progress-interval': { type: 'string', default: '1' },
        tasks: { type: 'string' },
        pods: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'fleet') {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `expected the command "fleet", got ${JSON.stringify(positionals)}`,
      );
    }
    if (!values.server)
      throw new KedgeError('KEDGE_CLI_USAGE', '--server: required', { fields: ['--server'] });
    const secretFile = values['secret-file'];
    if (!secretFile)
      throw new KedgeError('KEDGE_CLI_USAGE', '--secret-file: required', { fields: ['--secret-file'] });
    const protocol = values.protocol;
    if (protocol !== 'kedge' && protocol !== 'raw') {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--protocol: expected kedge or raw, got ${JSON.stringify(protocol)}`,
      );
    }
    const tasks = values.tasks;
    if (tasks !== undefined && !isInstantTaskKind(tasks)) {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--tasks: expected ${Object.keys(INSTANT_HANDLERS).join(' or ')}, got ${JSON.stringify(tasks)}`,
        { fields: ['--tasks'] },
      );
    }
    progressMs = parseSeconds('--progress-interval', values['progress-interval']);
    const nodes = parseCount('--nodes', values.nodes);
    const firstIndex = parseCount('--first-index', values['first-index'], 0);
    const caKeyFile = values['ca-key-file'];
    if (caKeyFile !== undefined && !values['ca-file'])
      throw new KedgeError('KEDGE_CLI_USAGE', '--ca-key-file: needs --ca-file', {
        fields: ['--ca-key-file'],
      });
    const clientCertFor =
      caKeyFile !== undefined && values['ca-file']
        ? await fleetClientCerts(
            values['ca-file'],
            caKeyFile,
            Array.from({ length: nodes }, (_, i) => `${values.prefix}-${firstIndex + i}`),
          )
        : undefined;
    fleet = new HollowFleet({
      server: values.server,
      secret: readSecret(secretFile),
      ...(values['ca-file'] ? { ca: readFieldFile('--ca-file', values['ca-file']) } : {}),
      ...(clientCertFor ? { clientCertFor } : {}),
      nodes,
      prefix: values.prefix,
      firstIndex,
      heartbeatMs: parseSeconds('--heartbeat', values.heartbeat),
      rampConcurrency: parseCount('--ramp', values.ramp),
      startSpreadMs: parseSeconds('--start-spread', values['start-spread'], 0),
      protocol,
      instantPods: values.pods,
      ...(tasks !== undefined ? { onTask: INSTANT_HANDLERS[tasks]() } : {}),
      log: createLogger({
        name: 'edgemark',
        level: process.env['KEDGE_LOG_LEVEL'] ?? 'warn',
        destination: 2,
      }),
    });
  } catch (err: unknown) {
    process.stderr.write(`edgemark: ${errorMessage(err)}\n${USAGE}\n`);
    return hasCode(err, 'KEDGE_CONFIG_UNREADABLE') ? 1 : 2;
  }

  const o = fleet.options;
  emit({
    event: 'start',
    nodes: o.nodes,
    server: o.server,
    protocol: o.protocol,
    heartbeatMs: o.heartbeatMs,
  });
  fleet.start();
  let announced = false;
  const progress = new AbortController();
  const reporting = every(o.clock, progressMs, progress.signal, () => {
    const stats = fleet.stats();
    emit({ event: 'progress', ...stats });
    if (!announced && stats.allRegisteredAfterMs !== undefined) {
      announced = true;
      emit({ event: 'all-registered', afterMs: stats.allRegisteredAfterMs });
    }
  });

  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  progress.abort();
  await reporting;
  await fleet.stop();
  emit({ event: 'stopped', ...fleet.stats() });
  return 0;
}

function readSecret(file: string): string {
  const secret = readFieldFile('--secret-file', file).toString('utf8').trim();
  if (secret === '')
    throw new KedgeError('KEDGE_CONFIG_INVALID', `--secret-file: ${file} is empty`, {
      file,
      fields: ['--secret-file'],
    });
  return secret;
}

function emit(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
}

process.exitCode = await main(process.argv.slice(2));
