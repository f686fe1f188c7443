// POST /api/v1/taskupgrade/confirm-upgrade on metaServer (what `keadm ctl
// confirm` calls, as in KubeEdge): confirms the node upgrades waiting here.
// An optional JSON body `{"job": "<name>"}` confirms one job only.
import { KedgeError } from '@kedge/api';
import type { RouteHandler } from '../metaserver/index.ts';
import type { TaskManager } from './task-manager.ts';

export const CONFIRM_UPGRADE_PATH = '/api/v1/taskupgrade/confirm-upgrade';

export function confirmUpgradeRoute(taskManager: Pick<TaskManager, 'confirmLocal'>): RouteHandler {
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
