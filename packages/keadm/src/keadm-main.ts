// keadm: one- to three-level commands (`keadm init`, `keadm join`,
// `keadm gettoken`, `keadm edge upgrade`, `keadm ctl confirm`). main() dispatches, prints errors as `error: ...` lines
// and returns the exit code; it never exits the process itself.
import { KedgeError, errorMessage } from '@kedge/api';
import { runCtlConfirm } from './commands/ctl-confirm.ts';
import { runEdgeBackup } from './commands/edge-backup.ts';
import { runEdgeConfigUpdate } from './commands/edge-config-update.ts';
import { runEdgeInstall } from './commands/edge-install.ts';
import { runEdgeRollback } from './commands/edge-rollback.ts';
import { runEdgeUpgrade } from './commands/edge-upgrade.ts';
import { runGettoken } from './commands/gettoken.ts';
import { runInit } from './commands/init.ts';
import { runJoin } from './commands/join.ts';
import { runRevoke } from './commands/revoke.ts';
import type { KeadmIo } from './commands/keadm-io.ts';

export type { KeadmIo } from './commands/keadm-io.ts';

type Run = (argv: readonly string[], io: KeadmIo) => Promise<number>;

const COMMANDS: Record<string, Record<string, Run> | Run> = {
  edge: {
    install: runEdgeInstall,
    upgrade: runEdgeUpgrade,
    backup: runEdgeBackup,
    rollback: runEdgeRollback,
    'config-update': runEdgeConfigUpdate,
  },
  ctl: { confirm: runCtlConfirm },
  gettoken: runGettoken,
  init: runInit,
  join: runJoin,
  revoke: runRevoke,
};

const KEADM_USAGE = `keadm: install and operate kedge's cloud and edge nodes

Usage:
  keadm init [--image-repo R] [--version V] [--advertise-address IP] [--apply [--kubeconfig FILE]]
  keadm gettoken [--node NAME] [--ttl 24h] [--ca-file FILE] [--secret-file FILE | --kubeconfig FILE]
  keadm revoke --node NAME [--store FILE | --kubeconfig FILE]
  keadm join --cloudcore-ipport HOST:PORT --token T [--node-name N] [--root DIR] [--release DIR|IMAGE]
  keadm edge install --release DIR|IMAGE [--root DIR] [--config FILE]
  keadm edge upgrade --toVersion V --image IMAGE|DIR [--image-digest D] [--force] [--wait]
  keadm edge backup [--root DIR] [--config FILE]
  keadm edge rollback [--history-version V] [--root DIR] [--config FILE]
  keadm edge config-update --set KEY=VALUE[,...] [--wait] [--root DIR] [--config FILE]
  keadm ctl confirm [--metaserver HOST:PORT] [--job NAME]

Run "keadm <command> [<subcommand>] --help" for a command's flags.
`;

export async function main(argv: readonly string[], io: KeadmIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err: unknown) {
    for (const line of errorMessage(err).split('\n')) io.stderr.write(`error: ${line}\n`);
    if (io.env.KEDGE_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: KeadmIo): Promise<number> {
  const [group, ...rest] = argv;
  if (group === undefined || group === '-h' || group === '--help' || group === 'help') {
    (group === undefined ? io.stderr : io.stdout).write(KEADM_USAGE);
    return group === undefined ? 1 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, group) ? COMMANDS[group] : undefined;
  if (entry === undefined) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `unknown command "${group}" (one of: ${Object.keys(COMMANDS).join(', ')})`,
    );
  }
  if (typeof entry === 'function') return entry(rest, io);
  const [verb, ...args] = rest;
  const names = Object.keys(entry).join(', ');
  if (verb === undefined || verb === '-h' || verb === '--help') {
    io.stdout.write(`usage: keadm ${group} <${names}> [flags]\n`);
    return verb === undefined ? 1 : 0;
  }
  const run = Object.hasOwn(entry, verb) ? entry[verb] : undefined;
  if (!run)
    throw new KedgeError('KEDGE_CLI_USAGE', `unknown command "keadm ${group} ${verb}" (one of: ${names})`);
  return run(args, io);
}
