// The job progress summary that controllermanager writes to `status.progress`
// (shown by `kubectl get` and the dashboard), computed in one place.
import type { NodeTaskPhase } from '../resources/node-task-common.ts';

export interface NodeTaskCounts {
  total: number;
  pending: number;
  inProgress: number;
  successful: number;
  /** Failure or Unknown (timed out): both count against failureTolerate. */
  failed: number;
}

export function countNodeTasks(nodeStatus: readonly { phase: NodeTaskPhase }[] | undefined): NodeTaskCounts {
  const counts: NodeTaskCounts = { total: 0, pending: 0, inProgress: 0, successful: 0, failed: 0 };
  for (const { phase } of nodeStatus ?? []) {
    counts.total++;
    switch (phase) {
      case 'Pending':
        counts.pending++;
        break;
      case 'InProgress':
        counts.inProgress++;
        break;
      case 'Successful':
        counts.successful++;
        break;
      case 'Failure':
      case 'Unknown':
        counts.failed++;
        break;
    }
  }
  return counts;
}

/** `"2/3 done, 0 failed"`: finished nodes (either way) out of all, then how many of them failed. */
export function formatProgress(counts: NodeTaskCounts): string {
  return `${counts.successful + counts.failed}/${counts.total} done, ${counts.failed} failed`;
}
