#!/usr/bin/env node
// `dashboard --store <sqlite path> [--port N] [--host H]`: the BFF and web UI
// over an embedded store, until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { errorMessage } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { openSqliteStore } from '@kedge/store';
import { startDashboard } from './server/start-dashboard.ts';

const usage =
  'usage: dashboard --store <sqlite path> [--port N] [--host 127.0.0.1] [--allowed-host NAME ...]';

async function run(): Promise<number> {
  let values: {
    store?: string | undefined;
    port?: string | undefined;
    host?: string | undefined;
    'allowed-host'?: string[] | undefined;
  };
  try {
    ({ values } = parseArgs({
      options: {
        store: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
      },
    }));
  } catch (err: unknown) {
    process.stderr.write(`${errorMessage(err)}\n${usage}\n`);
    return 2;
  }
  if (values.store === undefined) {
    process.stderr.write(`--store: required\n${usage}\n`);
    return 2;
  }
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: must be an integer 0-65535, got "${values.port}"\n`);
    return 2;
  }
  const log = createLogger({ name: 'kedge-dashboard', destination: 2 });
  const store = openSqliteStore({ path: values.store, log });
  try {
    const dashboard = await startDashboard({
      store,
      host: values.host ?? '127.0.0.1',
      port,
      log,
      allowedHosts: values['allowed-host'] ?? [],
    });
    process.stdout.write(`dashboard listening on ${dashboard.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.stop();
    return 0;
  } catch (err: unknown) {
    process.stderr.write(`dashboard: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

process.exitCode = await run();
