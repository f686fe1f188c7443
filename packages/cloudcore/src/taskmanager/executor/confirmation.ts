// Cloud-side confirmation of upgrades that wait for one: the operator
// annotates the job (`operations.kedge.io/confirm: "*"` or "node-a,node-b"),
// and every replica sends `Confirm` to those of its nodes that are waiting.
import { ActionName, CONFIRM_ANNOTATION, type NodeTaskEntry, type NodeTaskJob } from '@kedge/api';

/** Whether the job's confirm annotation names the node ("*" names every node). */
export function confirmationGiven(job: NodeTaskJob, nodeName: string): boolean {
  const value = job.metadata.annotations?.[CONFIRM_ANNOTATION];
  if (value === undefined) return false;
  const names = value.split(',').map((n) => n.trim());
  return names.includes('*') || names.includes(nodeName);
}

/** The node passed Check and now waits in WaitingConfirmation. */
export function isWaitingForConfirmation(job: NodeTaskJob, entry: NodeTaskEntry): boolean {
  if (job.kind !== 'NodeUpgradeJob' || job.spec.requireConfirmation !== true) return false;
  if (entry.phase !== 'InProgress') return false;
  const last = entry.actionFlow?.at(-1);
  return last?.action === ActionName.Check && last.status === 'True';
}
