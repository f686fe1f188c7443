// keadm ctl confirm: confirms the node upgrades waiting for it, through the
// node's metaServer (POST /api/v1/taskupgrade/confirm-upgrade), as in KubeEdge.
import { existsSync, readFileSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';
import { loadEdgeCoreConfig } from '@kedge/edgecore';
import { DEFAULT_EDGECORE_CONFIG } from './edge-target.ts';
import { parseCommandArgs, type KeadmIo } from './keadm-io.ts';

export const CONFIRM_PATH = '/api/v1/taskupgrade/confirm-upgrade';
const DEFAULT_METASERVER = '127.0.0.1:10550';

export const CTL_CONFIRM_USAGE = `usage: keadm ctl confirm [--metaserver HOST:PORT] [--job NAME] [--config FILE]
Confirms the upgrades waiting for confirmation on this node (all, or --job's).
  --metaserver HOST:PORT  the node's metaServer (default: modules.metaManager.metaServer.server
                          of --config, else ${DEFAULT_METASERVER})
  --job NAME              confirm only this job
  --config FILE           edgecore.yaml (default ${DEFAULT_EDGECORE_CONFIG})
`;

const OPTIONS = {
  metaserver: { type: 'string' },
  job: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCtlConfirm(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, CTL_CONFIRM_USAGE);
  if (values.help) {
    io.stdout.write(CTL_CONFIRM_USAGE);
    return 0;
  }
  const address = values.metaserver ?? metaServerFromConfig(values.config ?? DEFAULT_EDGECORE_CONFIG, io);
  const url = `http://${address}${CONFIRM_PATH}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(values.job ? { job: values.job } : {}),
      signal: io.signal,
    });
  } catch (err: unknown) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new KedgeError(
      'KEDGE_TASK_ACTION_FAILED',
      `cannot reach metaServer at ${url}: ${errorMessage(err)}${cause} (is edgecore running with metaServer enabled?)`,
      { fields: ['--metaserver'] },
    );
  }
  const text = await res.text();
  if (!res.ok) {
    throw new KedgeError(
      'KEDGE_TASK_ACTION_FAILED',
      `metaServer ${url} answered ${res.status}: ${serverMessage(text)}`,
      {
        action: 'WaitingConfirmation',
      },
    );
  }
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

function metaServerFromConfig(file: string, io: KeadmIo): string {
  if (!existsSync(file)) return DEFAULT_METASERVER;
  const config = loadEdgeCoreConfig({ file, text: readFileSync(file, 'utf8'), env: io.env });
  return config.modules.metaManager.metaServer.server;
}

/** The `message` of a JSON error body (Kubernetes Status or {message}), else the text itself. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string' && body.message) return body.message;
  } catch {
    // not JSON: show it as it is
  }
  return text.trim() || '(empty answer)';
}
