// kedgectl delete KIND NAME...: deletes each named object; a missing one is
// an error for that name only, the others are still deleted.
import { errorMessage, hasCode, kinds, type KindName, type ResourceKind } from '@kedge/api';
import { withStore, type CommandContext } from '../context.ts';
import { resourceRef } from '../printers.ts';

export interface DeleteOptions {
  kind: KindName;
  names: readonly string[];
}

export async function runDelete(ctx: CommandContext, options: DeleteOptions): Promise<number> {
  const k: ResourceKind = kinds[options.kind];
  const namespace = k.scope === 'Namespaced' ? (ctx.namespace ?? 'default') : undefined;
  return withStore(ctx, { create: false }, async (store) => {
    let failures = 0;
    for (const name of options.names) {
      try {
        await store.delete(options.kind, name, namespace);
        ctx.io.stdout.write(`${resourceRef(options.kind)} "${name}" deleted\n`);
      } catch (err: unknown) {
        failures++;
        const reason = hasCode(err, 'KEDGE_STORE_NOT_FOUND') ? 'not found' : errorMessage(err);
        ctx.io.stderr.write(`error: ${k.kind} "${name}": ${reason}\n`);
      }
    }
    return failures ? 1 : 0;
  });
}
