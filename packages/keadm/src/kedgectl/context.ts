// What every kedgectl command gets: the process's streams and environment
// (passed in, so main() has no hidden inputs), the resolved global flags and
// a way to open the store.
import { existsSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { defaultStoreConfig, openSqliteStore, type ResourceStore } from '@kedge/store';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C; ends `get -w`. */
  signal: AbortSignal;
  now(): number;
}

export const DEFAULT_STORE_PATH = defaultStoreConfig().sqlite.path;

export interface CommandContext {
  io: CliIo;
  storePath: string;
  /** --namespace, if given. */
  namespace: string | undefined;
}

export function storePathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.KEDGE_STORE_PATH || DEFAULT_STORE_PATH;
}

/**
 * Opens the store, runs `fn`, closes the store. Reading commands refuse a
 * store file that does not exist rather than create an empty one at a
 * mistyped path; apply creates it.
 */
export async function withStore<T>(
  ctx: CommandContext,
  options: { create: boolean },
  fn: (store: ResourceStore) => Promise<T>,
): Promise<T> {
  if (!options.create && !existsSync(ctx.storePath)) {
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `store ${ctx.storePath} does not exist (use --store or KEDGE_STORE_PATH to point at kedge's database)`,
      { file: ctx.storePath },
    );
  }
  const log = createLogger({ name: 'kedgectl', level: ctx.io.env.KEDGE_LOG_LEVEL ?? 'warn', destination: 2 });
  let store: ResourceStore;
  try {
    store = openSqliteStore({ path: ctx.storePath, log });
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `cannot open store ${ctx.storePath}: ${errorMessage(err)}`,
      { file: ctx.storePath },
      { cause: err },
    );
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
