// keadm ctl confirm: confirms the node upgrades waiting for it, through the
// node's metaServer (POST /api/v1/taskupgrade/confirm-upgrade), as in KubeEdge.
// It authenticates with the bearer token edgecore keeps in a root-only file
// beside its database (so it must run as root, as keadm does anyway).
import { existsSync, readFileSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';
import { loadEdgeCoreConfig, metaServerTokenPath, readMetaServerToken } from '@kedge/edgecore';
import { DEFAULT_EDGECORE_CONFIG } from './edge-target.ts';
import { parseCommandArgs, type KeadmIo } from './keadm-io.ts';

const CONFIRM_PATH = '/api/v1/taskupgrade/confirm-upgrade';
const DEFAULT_METASERVER = '127.0.0.1:10550';
const DEFAULT_DATA_SOURCE = '/var/lib/kubeedge/edgecore.db';

const CTL_CONFIRM_USAGE = `usage: keadm ctl confirm [--metaserver HOST:PORT] [--job NAME] [--config FILE] [--token-file FILE]
Confirms the upgrades waiting for confirmation on this node (all, or --job's).
  --metaserver HOST:PORT  the node's metaServer (default: modules.metaManager.metaServer.server
                          of --config, else ${DEFAULT_METASERVER})
  --job NAME              confirm only this job
  --config FILE           edgecore.yaml (default ${DEFAULT_EDGECORE_CONFIG})
  --token-file FILE       metaServer bearer token (default: metaserver.token beside
                          database.dataSource of --config, else ${metaServerTokenPath(DEFAULT_DATA_SOURCE)})
`;

const OPTIONS = {
  metaserver: { type: 'string' },
  job: { type: 'string' },
  config: { type: 'string' },
  'token-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCtlConfirm(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, CTL_CONFIRM_USAGE);
  if (values.help) {
    io.stdout.write(CTL_CONFIRM_USAGE);
    return 0;
  }
  const config = edgeConfig(values.config ?? DEFAULT_EDGECORE_CONFIG, io);
  const address = values.metaserver ?? config?.modules.metaManager.metaServer.server ?? DEFAULT_METASERVER;
  const token = readMetaServerToken(
    values['token-file'] ?? metaServerTokenPath(config?.database.dataSource ?? DEFAULT_DATA_SOURCE),
  );
  const url = `http://${address}${CONFIRM_PATH}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
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

function edgeConfig(file: string, io: KeadmIo): ReturnType<typeof loadEdgeCoreConfig> | undefined {
  if (!existsSync(file)) return undefined;
  return loadEdgeCoreConfig({ file, text: readFileSync(file, 'utf8'), env: io.env });
}

/** The `message` of a JSON error body (Kubernetes Status or {message}), else the text itself. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: { causes?: { reason?: unknown }[] } };
    const code = body.details?.causes?.[0]?.reason;
    if (typeof body.message === 'string' && body.message) {
      return typeof code === 'string' ? `${body.message} [${code}]` : body.message;
    }
  } catch {
    // not JSON: show it as it is
  }
  return text.trim() || '(empty answer)';
}
