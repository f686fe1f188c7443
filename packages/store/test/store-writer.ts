// A second process for sqlite-store.int.test.ts: opens the same store file,
// watches Nodes from a given version, writes its own Nodes meanwhile, and
// prints what its watch saw once it saw `expect` events. It starts writing
// once it has seen the parent's first write, so the two surely overlap.
//   node store-writer.ts <db> <fromVersion> <label> <prefix> <count> <expect>
import { parseArgs } from 'node:util';
import { openSqliteStore } from '../src/sqlite-store.ts';
import { writeNodes, type SeenEvent } from './write-nodes.ts';

const { positionals } = parseArgs({ allowPositionals: true });
const [db, from, label, prefix, count, expected] = positionals;
if (!db || !from || !label || !prefix || !count || !expected) {
  process.stderr.write('usage: store-writer.ts <db> <fromVersion> <label> <prefix> <count> <expect>\n');
  process.exit(2);
}

const store = openSqliteStore({ path: db, pollIntervalMs: 5 });
const stop = new AbortController();
const timeout = setTimeout(() => stop.abort(), 30_000);
const seen: SeenEvent[] = [];
let parentStarted: () => void = () => undefined;
const started = new Promise<void>((resolve) => (parentStarted = resolve));
const watching = (async () => {
  const options = { resourceVersion: from, labelSelector: label, signal: stop.signal };
  for await (const e of store.watch('Node', options)) {
    seen.push([Number(e.object.metadata.resourceVersion), e.type, e.object.metadata.name]);
    if (!e.object.metadata.name.startsWith(`${prefix}-`)) parentStarted();
    if (seen.length >= Number(expected)) stop.abort();
  }
  parentStarted(); // timed out: let the script finish and report what it saw
})();

process.stdout.write('ready\n');
await started;
await writeNodes(store, label, prefix, Number(count));
await watching;
clearTimeout(timeout);
process.stdout.write(`EVENTS ${JSON.stringify(seen)}\n`);
await store.close();
