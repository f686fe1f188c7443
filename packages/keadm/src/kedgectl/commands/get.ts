// kedgectl get KIND [NAME] [-l selector] [-o table|wide|yaml|json|name] [-w]:
// list or show objects; with -w, keep printing every change until Ctrl-C.
import { KedgeError, kinds, type AnyResource, type KindName, type ResourceKind } from '@kedge/api';
import type { ResourceStore, WatchEvent } from '@kedge/store';
import { columnsFor, type Column } from '../columns.ts';
import { withStore, type CommandContext } from '../context.ts';
import { TableWriter, asList, formatJson, formatName, formatYaml, type OutputFormat } from '../printers.ts';

export interface GetOptions {
  kind: KindName;
  name: string | undefined;
  selector: string | undefined;
  output: OutputFormat;
  watch: boolean;
  allNamespaces: boolean;
  /** Adds an EVENT column (ADDED / MODIFIED / DELETED) to watch output. */
  watchEvents: boolean;
}

export async function runGet(ctx: CommandContext, options: GetOptions): Promise<number> {
  if (options.name !== undefined && options.selector !== undefined) {
    throw new KedgeError('KEDGE_CLI_USAGE', 'get: a NAME and -l/--selector cannot be used together');
  }
  const k: ResourceKind = kinds[options.kind];
  const namespace =
    k.scope === 'Namespaced' && !options.allNamespaces ? (ctx.namespace ?? 'default') : undefined;
  return withStore(ctx, { create: false }, async (store) => {
    const printer = new ObjectPrinter(ctx, options, k.scope === 'Namespaced' && options.allNamespaces);
    const { items, resourceVersion } = await load(store, options, namespace);
    if (!options.watch) {
      if (options.name !== undefined && items.length === 0) {
        throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${k.kind} "${options.name}" not found`, {
          resource: `${k.kind}/${options.name}`,
        });
      }
      if (items.length === 0 && (options.output === 'table' || options.output === 'wide')) {
        ctx.io.stderr.write(`No resources found${namespace ? ` in ${namespace} namespace` : ''}.\n`);
        return 0;
      }
      printer.printResult(items, options.name === undefined, resourceVersion);
      return 0;
    }
    if (items.length) printer.printEvents(items.map((object) => ({ type: 'ADDED', object })));
    await follow(store, ctx, options, namespace, resourceVersion, printer);
    return 0;
  });
}

async function load(
  store: ResourceStore,
  options: GetOptions,
  namespace: string | undefined,
): Promise<{ items: AnyResource[]; resourceVersion: string }> {
  const list = await store.list(options.kind, { namespace, labelSelector: options.selector });
  const items = list.items.filter((o) => options.name === undefined || o.metadata.name === options.name);
  return { items, resourceVersion: list.resourceVersion };
}

async function follow(
  store: ResourceStore,
  ctx: CommandContext,
  options: GetOptions,
  namespace: string | undefined,
  resourceVersion: string,
  printer: ObjectPrinter,
): Promise<void> {
  const events = store.watch(options.kind, {
    namespace,
    labelSelector: options.selector,
    resourceVersion,
    signal: ctx.io.signal,
  });
  try {
    for await (const event of events) {
      if (options.name !== undefined && event.object.metadata.name !== options.name) continue;
      printer.printEvents([event]);
    }
  } catch (err: unknown) {
    if (ctx.io.signal.aborted) return; // Ctrl-C: a normal end of a watch
    throw err;
  }
}

/** Prints objects in the chosen format; a table keeps its column widths across watch events. */
class ObjectPrinter {
  readonly #ctx: CommandContext;
  readonly #options: GetOptions;
  readonly #columns: Column[];
  readonly #table: TableWriter;
  #printedObjects = 0;

  constructor(ctx: CommandContext, options: GetOptions, namespaceColumn: boolean) {
    this.#ctx = ctx;
    this.#options = options;
    this.#columns = columnsFor(options.kind, {
      wide: options.output === 'wide',
      namespaceColumn,
      now: () => ctx.io.now(),
    });
    const header = this.#columns.map((c) => c.header);
    this.#table = new TableWriter(options.watch && options.watchEvents ? ['EVENT', ...header] : header);
  }

  /** A one-shot get: one object as itself, several (or a list request) as a List. */
  printResult(items: AnyResource[], asListRequest: boolean, resourceVersion: string): void {
    const out = this.#ctx.io.stdout;
    switch (this.#options.output) {
      case 'table':
      case 'wide':
        this.#writeRows(items.map((o) => this.#row(o)));
        return;
      case 'name':
        for (const o of items) out.write(formatName(this.#options.kind, o));
        return;
      case 'yaml':
      case 'json': {
        const value = asListRequest ? asList(items, resourceVersion) : items[0];
        out.write(this.#options.output === 'yaml' ? formatYaml(value) : formatJson(value));
        return;
      }
    }
  }

  printEvents(events: WatchEvent<KindName>[]): void {
    const out = this.#ctx.io.stdout;
    switch (this.#options.output) {
      case 'table':
      case 'wide': {
        const withType = this.#options.watchEvents;
        this.#writeRows(
          events.map((e) => (withType ? [e.type, ...this.#row(e.object)] : this.#row(e.object))),
        );
        return;
      }
      case 'name':
        for (const e of events) out.write(formatName(this.#options.kind, e.object));
        return;
      case 'yaml':
        for (const e of events) {
          out.write(`${this.#printedObjects++ ? '---\n' : ''}${formatYaml(this.#watchValue(e))}`);
        }
        return;
      case 'json':
        for (const e of events) out.write(formatJson(this.#watchValue(e)));
        return;
    }
  }

  #watchValue(e: WatchEvent<KindName>): unknown {
    return this.#options.watchEvents ? { type: e.type, object: e.object } : e.object;
  }

  #row(object: AnyResource): string[] {
    return this.#columns.map((c) => c.cell(object));
  }

  #writeRows(rows: string[][]): void {
    const lines = this.#table.format(rows);
    if (lines.length) this.#ctx.io.stdout.write(`${lines.join('\n')}\n`);
  }
}
