// The building blocks of `kedgectl describe` output, in kubectl's layout:
// `Key:  value` lines whose values line up within a block, nested sections
// indented by two spaces, and tables (conditions, events) with aligned
// columns.
import type { Event, ObjectMeta } from '@kedge/api';
import { formatAge } from '../age.ts';
import { TableWriter } from '../printers.ts';

export const NONE = '<none>';

type Entry = { kind: 'field'; indent: number; key: string; value: string } | { kind: 'raw'; text: string };

export class DescribeWriter {
  readonly #entries: Entry[] = [];

  /** `Key:  value`; a section heading when `value` is omitted. */
  field(indent: number, key: string, value?: string): this {
    if (value === undefined) this.#entries.push({ kind: 'raw', text: `${'  '.repeat(indent)}${key}:` });
    else this.#entries.push({ kind: 'field', indent, key, value });
    return this;
  }

  /** A line of its own, indented. */
  line(indent: number, text: string): this {
    this.#entries.push({ kind: 'raw', text: `${'  '.repeat(indent)}${text}` });
    return this;
  }

  /** A map as kubectl prints labels: first pair on the key's line, the rest below it. */
  map(indent: number, key: string, values: Record<string, string> | undefined, sep = '='): this {
    const pairs = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return this.field(indent, key, NONE);
    pairs.forEach(([k, v], i) => this.field(indent, i === 0 ? key : '', `${k}${sep}${v}`));
    return this;
  }

  /** An aligned table under a heading line, with kubectl's `----` row under the header when `rule` is set. */
  table(
    indent: number,
    header: readonly string[],
    rows: readonly (readonly string[])[],
    rule: boolean | readonly string[] = false,
  ): this {
    const ruleRow = rule === true ? header.map((h) => '-'.repeat(h.length)) : rule || undefined;
    const all = ruleRow ? [ruleRow, ...rows] : rows;
    const pad = '  '.repeat(indent);
    for (const line of new TableWriter(header).format(all))
      this.#entries.push({ kind: 'raw', text: pad + line });
    return this;
  }

  /**
   * Values line up across every field of one indent level until a field of a
   * shallower level starts a new run (nested sections and tables in between
   * do not break the run), as kubectl's tab writer lines them up.
   */
  toString(): string {
    const runOf: number[] = [];
    const widths = new Map<number, number>();
    const level: number[] = []; // current run id per indent level
    let nextRun = 0;
    for (const e of this.#entries) {
      if (e.kind === 'raw') {
        runOf.push(-1);
        continue;
      }
      level.length = Math.min(level.length, e.indent + 1); // deeper runs end here
      const run = (level[e.indent] ??= nextRun++);
      runOf.push(run);
      widths.set(run, Math.max(widths.get(run) ?? 0, e.key.length + 1));
    }
    const out = this.#entries.map((e, i) => {
      if (e.kind === 'raw') return e.text;
      const width = widths.get(runOf[i] ?? -1) ?? 0;
      const key = e.key ? `${e.key}:` : '';
      return `${'  '.repeat(e.indent)}${key.padEnd(width)}  ${e.value}`.trimEnd();
    });
    return `${out.join('\n')}\n`;
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** kubectl's describe time (RFC 1123 with a numeric zone, in UTC): `Mon, 01 Jun 2025 11:00:00 +0000`. */
export function formatTime(timestamp: string | null | undefined): string {
  const t = Date.parse(timestamp ?? '');
  if (Number.isNaN(t)) return NONE;
  const d = new Date(t);
  const two = (n: number): string => String(n).padStart(2, '0');
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${clock} +0000`;
}

/** The header every describe starts with. */
export function writeMeta(w: DescribeWriter, meta: ObjectMeta, namespaced: boolean): void {
  w.field(0, 'Name', meta.name);
  if (namespaced) w.field(0, 'Namespace', meta.namespace ?? 'default');
}

/** Events about one object, oldest first, as kubectl's trailing Events table. */
export function writeEvents(w: DescribeWriter, events: readonly Event[], now: number): void {
  if (events.length === 0) {
    w.field(0, 'Events', NONE);
    return;
  }
  const last = (e: Event): string =>
    e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
  const sorted = [...events].sort((a, b) => Date.parse(last(a)) - Date.parse(last(b)));
  const rows = sorted.map((e) => {
    const age = formatAge(last(e), now);
    const count = e.count ?? 1;
    const first = e.firstTimestamp ?? last(e);
    const when = count > 1 ? `${age} (x${count} over ${formatAge(first, now)})` : age;
    const from = [e.source?.component, e.source?.host].filter(Boolean).join(', ');
    return [e.type ?? 'Normal', e.reason ?? '', when, from, (e.message ?? '').trim()];
  });
  w.field(0, 'Events');
  // kubectl's rule row under Age is four dashes, not three
  w.table(1, ['Type', 'Reason', 'Age', 'From', 'Message'], rows, [
    '----',
    '------',
    '----',
    '----',
    '-------',
  ]);
}
