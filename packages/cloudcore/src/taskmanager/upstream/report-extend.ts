// The action-specific `extend` field of an edge report, parsed and checked
// before anything is written: upgrade actions carry "<a>,<b>" versions,
// PrePull a JSON array of per-image results.
import { z } from 'zod';
import { ActionName, KedgeError, NodeTaskType, errorMessage, formatPath, type ImageStatus } from '@kedge/api';

export interface ReportExtend {
  /** Backup/Upgrade: [from, to]; Rollback: [the failed target, the restored version]. Empty parts = unknown. */
  versions?: [string, string];
  images?: ImageStatus[];
}

const ImageResultsSchema = z.array(
  z.object({
    image: z.string().min(1),
    status: z.enum(['True', 'False']),
    reason: z.string().optional(),
  }),
);

const VERSION_ACTIONS: readonly string[] = [ActionName.Backup, ActionName.Upgrade, ActionName.Rollback];

/** Parses `extend` for the action; throws KEDGE_TASK_INVALID naming the field when it is malformed. */
export function parseReportExtend(
  type: string,
  action: ActionName,
  extend: string,
  where: string,
): ReportExtend {
  if (extend.trim() === '') return {};
  if (type === NodeTaskType.nodeUpgradeJob && VERSION_ACTIONS.includes(action)) {
    const parts = extend.split(',').map((p) => p.trim());
    if (parts.length !== 2) {
      throw invalid(
        `${where}: content.extend: expected "<from>,<to>" versions, got ${JSON.stringify(extend)}`,
      );
    }
    return { versions: [parts[0] ?? '', parts[1] ?? ''] };
  }
  if (type === NodeTaskType.imagePrePullJob && action === ActionName.PrePull) {
    let raw: unknown;
    try {
      raw = JSON.parse(extend);
    } catch (err: unknown) {
      throw invalid(`${where}: content.extend: not JSON: ${errorMessage(err)}`);
    }
    const parsed = ImageResultsSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${formatPath(['content', 'extend', ...i.path])}: ${i.message}`,
      );
      throw invalid(`${where}: ${problems.join('; ')}`);
    }
    return {
      images: parsed.data.map(({ image, status, reason }) => ({
        image,
        status,
        ...(status === 'False' && reason ? { reason } : {}),
      })),
    };
  }
  return {};
}

function invalid(message: string): KedgeError {
  return new KedgeError('KEDGE_TASK_INVALID', message, { fields: ['content.extend'] });
}
