// ConfigUpdateJob end to end: real cloudcore + controllermanager processes
// and edge nodes installed from a release, run by the launcher under the
// supervisor, so every config update really restarts edgecore.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import type { EdgeCoreConfig } from '@kedge/api';
import { keadm } from '@kedge/localup';
import { startProcess, waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionsOf, UpgradeFleet } from './upgrade-fleet.ts';

const FLOW_OK = ['Check=True', 'Backup=True', 'ConfigUpdate=True'];
/** A label a node may set on itself (Kubernetes NodeRestriction), so the cloud keeps it. */
const ZONE = 'topology.kubernetes.io/zone';

/** A TCP port something already listens on (edgecore cannot bind its metaServer there). */
async function busyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe('ConfigUpdateJob', () => {
  const fleet = new UpgradeFleet();

  beforeAll(() => fleet.start({ target: false }));
  afterAll(() => fleet.close());

  /** The node's edgecore.yaml as written (the fields these tests read are always in it). */
  const fileOf = (node: string): EdgeCoreConfig =>
    parse(readFileSync(fleet.edge(node).configFile, 'utf8')) as EdgeCoreConfig;

  it('applies a valid update on two nodes and reports it after the restart', async () => {
    const nodes = ['u-1', 'u-2'];
    await fleet.addEdges(nodes);
    const before = await Promise.all(nodes.map((n) => fleet.cloud.store.get('Node', n)));
    await fleet.createConfigJob('valid', {
      nodeNames: nodes,
      concurrency: 2,
      updateFields: {
        'modules.edgeHub.heartbeat': '2',
        'modules.edged.nodeLabels': '{"topology.kubernetes.io/zone":"blue"}',
      },
    });
    const job = await fleet.configFinished('valid');

    expect(job.status?.phase).toBe('Completed');
    for (const [i, node] of nodes.entries()) {
      const entry = fleet.entry(job, node);
      expect(entry.phase).toBe('Successful');
      expect(entry.reason ?? '').toBe('');
      expect(actionsOf(entry)).toEqual(FLOW_OK);
      const file = fileOf(node);
      expect(file.modules.edgeHub.heartbeat).toBe(2);
      expect(file.modules.edged.nodeLabels).toEqual({ [ZONE]: 'blue' });
      expect(existsSync(`${fleet.edge(node).configFile}.previous`)).toBe(true);
      // The restarted edgecore runs with it: it registered again with the new label.
      await waitFor(
        async () => (await fleet.cloud.store.get('Node', node))?.metadata.labels?.[ZONE] === 'blue',
        {
          what: `${node} labelled zone=blue`,
        },
      );
      expect(before[i]?.metadata.labels?.[ZONE]).toBeUndefined();
    }
    await fleet.stopEdges(nodes);
  });

  it('restores the old file when edgecore refuses the new one at start, and says why', async () => {
    const { port, server } = await busyPort();
    try {
      await fleet.addEdges(['r-1'], { healthTimeout: 60 });
      const oldServer = fileOf('r-1').modules.metaManager.metaServer.server as string;
      await fleet.createConfigJob('refused', {
        nodeNames: ['r-1'],
        updateFields: { 'modules.metaManager.metaServer.server': `127.0.0.1:${port}` },
      });
      const job = await fleet.configFinished('refused');

      expect(job.status?.phase).toBe('Failure');
      const entry = fleet.entry(job, 'r-1');
      expect(entry.phase).toBe('Failure');
      expect(actionsOf(entry)).toEqual([...FLOW_OK.slice(0, 2), 'ConfigUpdate=False', 'Rollback=True']);
      expect(entry.reason).toMatch(
        /config update failed: edgecore exited 3 times with the new edgecore\.yaml/,
      );
      expect(entry.reason).toContain(`metaServer cannot listen on 127.0.0.1:${port}`);
      expect(entry.reason).toMatch(/EADDRINUSE/);
      expect(entry.reason).toMatch(/rolled back to the previous configuration/);
      expect(fileOf('r-1').modules.metaManager.metaServer.server).toBe(oldServer);
      const failed = readFileSync(`${fleet.edge('r-1').configFile}.failed`, 'utf8');
      expect(failed).toContain(`127.0.0.1:${port}`);
      const health = await fetch(`${fleet.edge('r-1').metaServerUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      server.close();
      await fleet.stopEdges(['r-1']);
    }
  });

  it('restores the old file when the new one never connects within the deadline', async () => {
    await fleet.addEdges(['d-1'], { healthTimeout: 8 });
    const oldCloud = fileOf('d-1').modules.edgeHub.websocket.server as string;
    await fleet.createConfigJob('no-connect', {
      nodeNames: ['d-1'],
      updateFields: { 'modules.edgeHub.websocket.server': '127.0.0.1:1' },
    });
    const job = await fleet.configFinished('no-connect');
    const entry = fleet.entry(job, 'd-1');
    expect(entry.phase).toBe('Failure');
    expect(actionsOf(entry)).toEqual([...FLOW_OK.slice(0, 2), 'ConfigUpdate=False', 'Rollback=True']);
    expect(entry.reason).toMatch(
      /did not come up healthy and connected within 8s with the new edgecore\.yaml/,
    );
    expect(fileOf('d-1').modules.edgeHub.websocket.server).toBe(oldCloud);
    await fleet.stopEdges(['d-1']);
  });

  it('never leaves a job InProgress past its timeout: a node that does not come back is Unknown', async () => {
    // The new config cannot reach the cloud and the node's trial window (60 s) outlasts the job's timeout.
    await fleet.addEdges(['t-1'], { healthTimeout: 60 });
    await fleet.createConfigJob('gone', {
      nodeNames: ['t-1'],
      // Long enough that Check and Backup finish even on a loaded machine; the node then never reports again.
      timeoutSeconds: 12,
      updateFields: { 'modules.edgeHub.websocket.server': '127.0.0.1:1' },
    });
    const job = await fleet.configFinished('gone', 45_000);
    expect(job.status?.phase).toBe('Failure');
    const entry = fleet.entry(job, 't-1');
    expect(entry.phase).toBe('Unknown');
    expect(entry.reason).toMatch(/^timed out after 12s waiting for ConfigUpdate \(last finished: Backup at /);
    await fleet.stopEdges(['t-1']);
  });

  it('leaves a valid config when edgecore is killed -9 in the middle of the write, then completes', async () => {
    const node = 'k-1';
    await fleet.addEdges([node], {
      env: { KEDGE_FAILPOINTS: 'config-update.mid-write', KEDGE_FAILPOINT_DIR: fleet.failpointDir(node) },
    });
    await fleet.createConfigJob('killed', {
      nodeNames: [node],
      updateFields: { 'modules.edgeHub.heartbeat': '3' },
    });
    const job = await fleet.configFinished('killed');
    await fleet.edge(node).running.waitForLine(/failpoint config-update\.mid-write: killing/, 1000);

    expect(job.status?.phase).toBe('Completed');
    expect(actionsOf(fleet.entry(job, node))).toEqual(FLOW_OK);
    expect(fileOf(node).modules.edgeHub.heartbeat).toBe(3);
    const dir = dirname(fleet.edge(node).configFile);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await fleet.stopEdges([node]);
  });

  it('refuses a job naming an unknown path or a bad value at apply time; nothing is stored', async () => {
    const file = join(fleet.dir.path, 'bad-config-job.yaml');
    writeFileSync(
      file,
      `apiVersion: operations.kubeedge.io/v1alpha2
kind: ConfigUpdateJob
metadata:
  name: bad-paths
spec:
  nodeNames: [u-1]
  updateFields:
    modules.nope: "1"
    modules.edgeStream.enable: "yes"
    modules.edgeHub.messageBurst: "lots"
`,
    );
    const p = startProcess({
      name: 'kedgectl',
      args: ['packages/keadm/src/bin/kedgectl.ts', '--store', fleet.cloud.storePath, 'apply', '-f', file],
    });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    const stderr = p.stderr();
    expect(stderr).toMatch(/bad-config-job\.yaml/);
    expect(stderr).toMatch(/ConfigUpdateJob "bad-paths"/);
    expect(stderr).toContain('spec.updateFields["modules.nope"]: unknown field modules.nope');
    expect(stderr).toContain(
      'spec.updateFields["modules.edgeStream.enable"]: expected true or false, got "yes"',
    );
    expect(stderr).toContain(
      'spec.updateFields["modules.edgeHub.messageBurst"]: expected integer, got "lots"',
    );
    expect(await fleet.configJob('bad-paths')).toBeUndefined();
  });

  it('keadm edge config-update --set changes an installed node by hand', async () => {
    const [edge] = await fleet.addEdges(['h-1']);
    if (!edge?.installRoot) throw new Error('h-1 is not installed');
    const out = await keadm([
      'edge',
      'config-update',
      '--root',
      edge.installRoot,
      '--config',
      edge.configFile,
      '--set',
      'modules.edgeHub.heartbeat=4,modules.edged.nodeLabels={"topology.kubernetes.io/zone":"green","node.kubernetes.io/tier":"edge"}',
      '--timeout',
      '60',
      '--wait',
    ]);
    expect(out).toMatch(/previous kept as .*edgecore\.yaml\.previous/);
    expect(out).toMatch(/committed/);
    const file = fileOf('h-1');
    expect(file.modules.edgeHub.heartbeat).toBe(4);
    expect(file.modules.edged.nodeLabels).toEqual({ [ZONE]: 'green', 'node.kubernetes.io/tier': 'edge' });
    await waitFor(
      async () =>
        (await fleet.cloud.store.get('Node', 'h-1'))?.metadata.labels?.['node.kubernetes.io/tier'] === 'edge',
      {
        what: 'h-1 labelled tier=edge',
      },
    );

    await expect(
      keadm([
        'edge',
        'config-update',
        '--root',
        edge.installRoot,
        '--config',
        edge.configFile,
        '--set',
        'modules.nope=1',
      ]),
    ).rejects.toThrow(/modules\.nope: unknown field/);
    expect(fileOf('h-1').modules.edgeHub.heartbeat).toBe(4);
    await fleet.stopEdges(['h-1']);
  });
});
