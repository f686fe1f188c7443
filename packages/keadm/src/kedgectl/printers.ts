// Output formats of `kedgectl get`: an aligned table (default and wide),
// YAML, JSON and `kind/name`. Several objects print as a v1 List in YAML and
// JSON, as kubectl does, so the output can be fed back to `apply -f -`.
import { kinds, type KindName, type ResourceKind } from '@kedge/api';
import { stringify } from 'yaml';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

/** kubectl's resource reference: `node`, `nodeupgradejob.operations.kubeedge.io`. */
export function resourceRef(kindName: KindName): string {
  const k: ResourceKind = kinds[kindName];
  return k.group ? `${k.kind.toLowerCase()}.${k.group}` : k.kind.toLowerCase();
}

export function formatName(kindName: KindName, object: unknown): string {
  const name = (object as { metadata?: { name?: string } }).metadata?.name ?? '';
  return `${resourceRef(kindName)}/${name}\n`;
}

/**
 * YAML as kubectl prints it: every string a YAML 1.1 reader (PyYAML, Go
 * yaml.v2) would take for something else (an RFC 3339 time, `yes`, `on`,
 * `0777`, `1_000`) is quoted, so that it reads back as the string it is.
 */
export function formatYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, version: '1.1' });
}

export function formatJson(object: unknown): string {
  return `${JSON.stringify(object, null, 4)}\n`;
}

export function asList(items: readonly unknown[], resourceVersion = ''): unknown {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion } };
}

const GAP = 3;

/**
 * Aligns rows under a header. The first write sizes the columns from the
 * header and that batch; later writes (watch events) reuse those widths and
 * widen a column only when a cell no longer fits.
 */
export class TableWriter {
  readonly #header: readonly string[];
  #widths: number[] | undefined;

  constructor(header: readonly string[]) {
    this.#header = header;
  }

  /** Lines to print for `rows`, including the header on the first call. */
  format(rows: readonly (readonly string[])[]): string[] {
    const lines: string[] = [];
    if (this.#widths === undefined) {
      this.#widths = this.#header.map((h) => h.length);
      this.#grow(rows);
      lines.push(this.#line(this.#header));
    } else {
      this.#grow(rows);
    }
    for (const row of rows) lines.push(this.#line(row));
    return lines;
  }

  #grow(rows: readonly (readonly string[])[]): void {
    const widths = this.#widths ?? [];
    for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }

  #line(cells: readonly string[]): string {
    const widths = this.#widths ?? [];
    return cells
      .map((cell, i) => cell.padEnd((widths[i] ?? 0) + GAP))
      .join('')
      .trimEnd();
  }
}
