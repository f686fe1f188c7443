// One connection's trouble stays that connection's: every callback CloudHub
// runs for a socket (upgrade, open, frame, close) goes through `guarded`, so
// an exception is logged with the node it concerns and ends at most that
// connection, never the cloudcore process and every other node with it.
import { errorMessage } from '@kedge/api';
import type { Logger } from '@kedge/runtime';

export interface GuardContext {
  node?: string | undefined;
  remoteAddress?: string | undefined;
}

/**
 * Runs `work`; a throw is logged (code KEDGE_INTERNAL, with the context) and
 * then `onFailure` runs (e.g. to close the socket), itself guarded.
 */
export function guarded(
  log: Logger,
  context: GuardContext,
  what: string,
  work: () => void,
  onFailure?: () => void,
): void {
  try {
    work();
  } catch (err: unknown) {
    log.error(
      { ...context, code: 'KEDGE_INTERNAL', err: errorMessage(err) },
      `${what} failed; only this connection is affected`,
    );
    if (!onFailure) return;
    try {
      onFailure();
    } catch (again: unknown) {
      log.error({ ...context, err: errorMessage(again) }, `cleaning up after ${what} failed`);
    }
  }
}
