import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorMessage } from '@kedge/api';
import { Bus, type ModuleContext } from '@kedge/beehive';
import { createLogger, systemClock } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import { loadEdgeCoreConfig } from '../config/index.ts';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from '../database/index.ts';
import { MetaCache } from '../metamanager/index.ts';
import { EdgeReporter } from '../reporting/edge-reporter.ts';
import { Edged } from './edged.ts';

const log = createLogger({ name: 'test', level: 'silent' });

describe('Edged start', () => {
  let dir: TempDir;
  let edb: EdgeDatabase;

  beforeEach(async () => {
    dir = await tempDir('kedge-edged-unit-');
    edb = openEdgeDatabase(':memory:');
  });
  afterEach(async () => {
    edb.close();
    await dir.cleanup();
  });

  it('fails with KEDGE_CONFIG_INVALID naming cniConfDir when it cannot write the pod network there', async () => {
    const config = loadEdgeCoreConfig({
      env: {},
      overrides: {
        modules: {
          edgeHub: { token: 't', httpServer: '' },
          edged: {
            enable: true,
            hostnameOverride: 'edge-1',
            podCIDR: '10.244.3.0/24',
            rootDirectory: join(dir.path, 'edged'),
            // Below a regular file: no directory can be made there, whoever runs the test.
            cniConfDir: '/dev/null/net.d',
          },
        },
      },
    });
    const edged = new Edged({
      config: config.modules.edged,
      nodeName: 'edge-1',
      nodeIP: '192.0.2.1',
      cache: new MetaCache({ db: edb.db }),
      reports: new EdgeReporter(new Outbox({ db: edb.db }), new Bus({ log, clock: systemClock })),
      clock: systemClock,
    });
    const ctx = {
      signal: new AbortController().signal,
      log,
    } as unknown as ModuleContext;
    const err = await edged.start(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'KEDGE_CONFIG_INVALID' });
    expect(errorMessage(err)).toContain(
      'modules.edged.cniConfDir: cannot write the pod network config into /dev/null/net.d',
    );
  });
});
