// Turns an UpdateNodeActionStatus message into a checked NodeReport for one
// job, or a KEDGE_TASK_INVALID error naming the bad field. Nothing is read
// from the store here; the job-dependent checks happen in applyReport.
import {
  ActionReportSchema,
  KedgeError,
  RFC3339_PATTERN,
  formatPath,
  isActionInFlow,
  kindOfTaskType,
  parseNodeTaskResource,
  rfc3339,
  type Message,
  type NodeTaskKind,
  type NodeTaskType,
} from '@kedge/api';
import type { NodeReport } from './apply-report.ts';
import { parseReportExtend } from './report-extend.ts';

export interface ParsedReport {
  kind: NodeTaskKind;
  job: string;
  report: NodeReport;
}

export function parseReportMessage(msg: Message, nowMs: number): ParsedReport {
  const { resource } = msg.route;
  const route = parseNodeTaskResource(resource);
  if (!route) {
    throw invalid(`resource: ${JSON.stringify(resource)} is not a node task route`, {
      resource,
      fields: ['resource'],
    });
  }
  const { taskType, job, node } = route;
  const where = `report from node ${node} for ${taskType} ${job}`;
  const kind = kindOfTaskType(taskType);
  if (!kind) {
    throw invalid(`${where}: resource: unknown task type ${JSON.stringify(taskType)}`, {
      node,
      job,
      resource,
    });
  }
  const parsed = ActionReportSchema.safeParse(msg.content);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(['content', ...i.path])}: ${i.message}`);
    throw invalid(`${where}: ${problems.join('; ')}`, {
      node,
      job,
      resource,
      fields: parsed.error.issues.map((i) => formatPath(['content', ...i.path])),
    });
  }
  const report = parsed.data;
  if (!isActionInFlow(taskType as NodeTaskType, report.action)) {
    throw invalid(`${where}: content.action: ${report.action} is not an action of ${kind}`, {
      node,
      job,
      resource,
      action: report.action,
      fields: ['content.action'],
    });
  }
  const finish = report.finishTime.trim();
  if (finish !== '' && !RFC3339_PATTERN.test(finish)) {
    throw invalid(`${where}: content.finishTime: must be an RFC 3339 time, got ${JSON.stringify(finish)}`, {
      node,
      job,
      resource,
      action: report.action,
      fields: ['content.finishTime'],
    });
  }
  const time = rfc3339(new Date(finish === '' ? nowMs : Date.parse(finish)));
  const extend = parseReportExtend(taskType, report.action, report.extend, where);
  return { kind, job, report: { node, report, time, extend } };
}

function invalid(message: string, context: Record<string, unknown>): KedgeError {
  return new KedgeError('KEDGE_TASK_INVALID', message, context);
}
