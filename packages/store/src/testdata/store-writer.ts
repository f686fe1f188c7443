// A second process for sqlite-store.int.test.ts: opens the same store file,
// watches Nodes from a given version, writes its own Nodes meanwhile, and
// prints what its watch saw once it saw `expect` events.
//   node store-writer.ts <db> <fromVersion> <label> <prefix> <count> <expect>
import { parseArgs } from 'node:util';
import { openSqliteStore } from '../sqlite-store.ts';
import { writeNodes, type SeenEvent } from './write-nodes.ts';

const { positionals } = parseArgs({ allowPositionals: true });
const [db, from, label, prefix, count, expected] = positionals;
if (!db || !from || !label || !prefix || !count || !expected) {
  process.stderr.write('usage: store-writer.ts <db> <fromVersion> <label> <prefix> <count> <expect>\n');
  process.exit(2);
}

const store = openSqliteStore({ path: db, pollIntervalMs: 5 });
const stop = new AbortController();
const seen: SeenEvent[] = [];
const watching = (async () => {
  for await (const e of store.watch('Node', {
    resourceVersion: from,
    labelSelector: label,
    signal: stop.signal,
  })) {
    seen.push([Number(e.object.metadata.resourceVersion), e.type, e.object.metadata.name]);
    if (seen.length >= Number(expected)) stop.abort();
  }
})();

process.stdout.write('ready\n');
await writeNodes(store, label, prefix, Number(count));
const timeout = setTimeout(() => stop.abort(), 20_000);
await watching;
clearTimeout(timeout);
process.stdout.write(`EVENTS ${JSON.stringify(seen)}\n`);
await store.close();
