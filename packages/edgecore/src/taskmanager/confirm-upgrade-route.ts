// POST /api/v1/taskupgrade/confirm-upgrade on metaServer (what `keadm ctl
// confirm` calls, as in KubeEdge): confirms the node upgrades waiting here.
// An optional JSON body `{"job": "<name>"}` confirms one job only. The route
// needs the metaServer bearer token (docs/configuration.md, metaServer).
import { KedgeError } from '@kedge/api';
import type { MetaServer, RouteHandler } from '../metaserver/index.ts';
import type { TaskManager } from './task-manager.ts';

const CONFIRM_UPGRADE_PATH = '/api/v1/taskupgrade/confirm-upgrade';

/** Registers the confirm route on metaServer, behind the bearer token. */
export function registerConfirmUpgrade(
  metaServer: Pick<MetaServer, 'registerRoute'>,
  taskManager: Pick<TaskManager, 'confirmLocal'>,
): void {
  metaServer.registerRoute('POST', CONFIRM_UPGRADE_PATH, confirmUpgradeRoute(taskManager), { auth: true });
}

function confirmUpgradeRoute(taskManager: Pick<TaskManager, 'confirmLocal'>): RouteHandler {
  return (req) => {
    const body = req.body as { job?: unknown } | undefined;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new KedgeError(
        'KEDGE_TASK_INVALID',
        'body: must be empty or a JSON object like {"job": "upgrade-v1-3"}',
      );
    }
    const job = body?.job;
    if (job !== undefined && (typeof job !== 'string' || job === '')) {
      throw new KedgeError('KEDGE_TASK_INVALID', 'job: must be a job name (a non-empty string)', {
        fields: ['job'],
      });
    }
    const tasks = taskManager.confirmLocal('keadm ctl confirm', job);
    return { status: 200, body: { status: 'confirmed', tasks } };
  };
}
