// WaitingConfirmation: passes at once unless the job asks for a confirmation;
// then the task waits (state `waiting`, kept across restarts) until
// `keadm ctl confirm` or the cloud confirms it. The report carries no reason
// on success, so who confirmed is logged here. The wait counts against the
// job's timeoutSeconds: past it the action fails, so a forgotten job does not
// keep the node's upgrade slot for ever.
import type { Clock } from '@kedge/runtime';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';

export interface WaitingConfirmationOptions {
  clock: Clock;
  /** Whether the task's job asks for a confirmation, and how long it may wait (ms; undefined = no limit). */
  policy(ctx: ActionContext): { required: boolean; timeoutMs: number | undefined };
}

export function waitingConfirmation(o: WaitingConfirmationOptions): TaskAction {
  return {
    run(ctx: ActionContext): Promise<ActionOutcome> {
      const { required, timeoutMs } = o.policy(ctx);
      if (!required) return Promise.resolve(finished(true));
      const by = ctx.task.confirmedBy;
      if (by !== undefined) {
        ctx.log.info({ by }, `confirmed by ${by}`);
        return Promise.resolve(finished(true));
      }
      if (timeoutMs === undefined) return Promise.resolve({ kind: 'waiting' });
      const since = ctx.lastFinishedAt() ?? ctx.task.createdAt;
      const until = since + timeoutMs;
      if (o.clock.now() >= until) {
        const reason = `not confirmed within ${Math.round(timeoutMs / 1000)}s (waiting since ${new Date(since).toISOString()})`;
        return Promise.resolve(finished(false, reason));
      }
      return Promise.resolve({ kind: 'waiting', until });
    },
  };
}
