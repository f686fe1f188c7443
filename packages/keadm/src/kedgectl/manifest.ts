// Reads the manifests given to `apply -f`: files, directories (their .yaml,
// .yml and .json files, sorted) and `-` for stdin. Every file may hold
// several YAML documents; JSON is read as the YAML subset it is; a v1 List
// is unpacked into its items. Problems are collected, not thrown, so that
// the user sees all of them at once.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, type YAMLError } from 'yaml';

export interface ManifestDocument {
  /** Where it came from, for messages: `jobs.yaml`, `jobs.yaml: document 2`, `list.json: items[3]`. */
  where: string;
  value: unknown;
}

export interface Manifests {
  documents: ManifestDocument[];
  /** Complete `file: line 3, column 1: problem` lines. */
  problems: string[];
}

const STDIN_SOURCE = '<stdin>';

export async function readManifests(
  paths: readonly string[],
  readStdin: () => Promise<string>,
): Promise<Manifests> {
  const out: Manifests = { documents: [], problems: [] };
  for (const path of paths) {
    if (path === '-') {
      merge(out, parseManifest(STDIN_SOURCE, await readStdin()));
      continue;
    }
    try {
      for (const file of await expand(path)) merge(out, parseManifest(file, await readFile(file, 'utf8')));
    } catch (err: unknown) {
      out.problems.push(`${path}: cannot read: ${describeFsError(err)}`);
    }
  }
  return out;
}

async function expand(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => /\.(ya?ml|json)$/i.test(n)).sort();
  return names.map((n) => join(path, n));
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.message ?? String(err);
}

function merge(into: Manifests, from: Manifests): void {
  into.documents.push(...from.documents);
  into.problems.push(...from.problems);
}

export function parseManifest(source: string, text: string): Manifests {
  if (/\.json$/i.test(source)) return parseJsonManifest(source, text);
  const out: Manifests = { documents: [], problems: [] };
  const docs = Array.from(parseAllDocuments(text, { prettyErrors: false }));
  const multi = docs.length > 1;
  docs.forEach((doc, i) => {
    const where = multi ? `${source}: document ${i + 1}` : source;
    if (doc.errors.length) {
      for (const error of doc.errors) out.problems.push(`${source}: ${describeYamlError(error, text)}`);
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    if (isList(value)) {
      value.items.forEach((item, j) => out.documents.push({ where: `${where}: items[${j}]`, value: item }));
    } else {
      out.documents.push({ where, value });
    }
  });
  return out;
}

/** A .json file: one value, parsed as JSON for exact error positions. */
function parseJsonManifest(source: string, text: string): Manifests {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /\(line (\d+) column (\d+)\)/.exec(message);
    const short = message.replace(/ in JSON at position \d+.*$/, '');
    return {
      documents: [],
      problems: [`${source}: ${at ? `line ${at[1]}, column ${at[2]}: ` : ''}${short}`],
    };
  }
  if (isList(value)) {
    return {
      documents: value.items.map((item, j) => ({ where: `${source}: items[${j}]`, value: item })),
      problems: [],
    };
  }
  return { documents: [{ where: source, value }], problems: [] };
}

function isList(value: unknown): value is { items: unknown[] } {
  const v = value as { apiVersion?: unknown; kind?: unknown; items?: unknown };
  return v.apiVersion === 'v1' && v.kind === 'List' && Array.isArray(v.items);
}

/** `line 3, column 7: Nested mappings are not allowed in compact mappings`. */
function describeYamlError(error: YAMLError, text: string): string {
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
  const pos = error.linePos?.[0] ?? linePosOf(text, error.pos[0]);
  return `line ${pos.line}, column ${pos.col}: ${message}`;
}

function linePosOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}
