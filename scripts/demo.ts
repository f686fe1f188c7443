// The embedded demo: one cloudcore on a SQLite store and three edgecore
// processes; waits until every node is Ready and prints them.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeReadyCondition } from '../packages/api/src/index.ts';
import { LocalCloud, LocalEdge } from '../packages/localup/src/index.ts';

const { values } = parseArgs({ options: { once: { type: 'boolean' }, dir: { type: 'string' } } });
const dir = values.dir ?? join(process.cwd(), '.kedge-run', 'demo');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const cloud = new LocalCloud({ dir });
const edges: LocalEdge[] = [];
const stop = async (): Promise<void> => {
  await Promise.all(edges.map((e) => e.stop()));
  await cloud.close();
};

try {
  const cloudcore = await cloud.addCloudCore();
  console.log(`cloudcore listening on ${cloudcore.address}, store ${cloud.storePath}`);
  for (const name of ['edge-1', 'edge-2', 'edge-3']) {
    const edge = await LocalEdge.create(dir, { name, server: cloudcore.address, token: cloud.token(name) });
    await edge.start();
    edges.push(edge);
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const nodes = (await cloud.store.list('Node')).items;
    const ready = nodes.filter((n) => nodeReadyCondition(n)?.status === 'True');
    if (ready.length === edges.length) break;
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${edges.length} nodes became Ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log('NAME\tSTATUS\tVERSION\tCLOUDCORE');
  for (const n of (await cloud.store.list('Node')).items) {
    const ready = nodeReadyCondition(n)?.status === 'True' ? 'Ready' : 'NotReady';
    console.log(
      `${n.metadata.name}\t${ready}\t${n.status?.nodeInfo?.kubeletVersion ?? ''}\t${n.metadata.annotations?.cloudcore ?? ''}`,
    );
  }
  if (!values.once) {
    console.log('demo running; Ctrl-C to stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  await stop();
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stop();
  process.exitCode = 1;
}
