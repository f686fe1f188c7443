// kedgectl rollout status deployment/NAME [--timeout D]: waits, watching
// the store, until the Deployment's controller has observed its latest
// spec and every replica is updated and available; prints kubectl's
// progress messages along the way.
import { KedgeError, type Deployment } from '@kedge/api';
import { withStore, type CommandContext } from '../context.ts';

export interface RolloutStatusOptions {
  name: string;
  /** 0: wait forever. */
  timeoutMs: number;
}

/** kubectl's verdict on a Deployment: a message, and whether the rollout is over. */
function rolloutStatus(d: Deployment): { message: string; done: boolean } {
  const name = d.metadata.name;
  const waiting = (what: string): { message: string; done: boolean } => ({
    message: `Waiting for deployment "${name}" rollout to finish: ${what}...`,
    done: false,
  });
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new KedgeError('KEDGE_CLI_ROLLOUT_FAILED', `deployment "${name}" exceeded its progress deadline`, {
      resource: `Deployment/${name}`,
    });
  }
  const desired = d.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < desired) return waiting(`${updated} out of ${desired} new replicas have been updated`);
  if (total > updated) return waiting(`${total - updated} old replicas are pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available`);
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export async function runRolloutStatus(ctx: CommandContext, options: RolloutStatusOptions): Promise<number> {
  const namespace = ctx.namespace ?? 'default';
  const ref = `Deployment/${options.name}`;
  const timeout = options.timeoutMs > 0 ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([ctx.io.signal, timeout]) : ctx.io.signal;
  return withStore(ctx, { create: false }, async (store) => {
    let last = '';
    const report = (d: Deployment): boolean => {
      const { message, done } = rolloutStatus(d);
      if (message !== last) ctx.io.stdout.write(`${message}\n`);
      last = message;
      return done;
    };
    const list = await store.list('Deployment', { namespace });
    const found = list.items.find((d) => d.metadata.name === options.name);
    if (!found) {
      throw new KedgeError('KEDGE_STORE_NOT_FOUND', `deployments.apps "${options.name}" not found`, {
        resource: ref,
      });
    }
    if (report(found)) return 0;
    const events = store.watch('Deployment', { namespace, resourceVersion: list.resourceVersion, signal });
    try {
      for await (const event of events) {
        if (event.object.metadata.name !== options.name) continue;
        if (event.type === 'DELETED') {
          throw new KedgeError('KEDGE_CLI_ROLLOUT_FAILED', `deployment "${options.name}" was deleted`, {
            resource: ref,
          });
        }
        if (report(event.object)) return 0;
      }
    } catch (err: unknown) {
      if (!signal.aborted) throw err;
    }
    if (ctx.io.signal.aborted) return 1; // Ctrl-C
    if (!timeout?.aborted) {
      throw new KedgeError(
        'KEDGE_STORE_UNAVAILABLE',
        `the watch on ${ref} ended before the rollout finished`,
        {
          resource: ref,
        },
      );
    }
    throw new KedgeError(
      'KEDGE_CLI_ROLLOUT_TIMEOUT',
      `timed out waiting for the condition: deployment "${options.name}" did not finish rolling out within ${options.timeoutMs / 1000}s`,
      { resource: ref },
    );
  });
}

/** kubectl's duration flag: `90s`, `5m`, `1h`, `1m30s`, or a bare number of seconds; 0 waits forever. */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 0;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new KedgeError('KEDGE_CLI_USAGE', `--timeout ${value}: not a duration (e.g. 90s, 5m, 1h30m)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2] ?? 's'] ?? 0), 0);
}
