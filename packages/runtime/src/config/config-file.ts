// Reading and parsing one YAML config file, keeping the document so that a
// problem found later can name the line its value came from.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { errorMessage, KedgeError } from '@kedge/api';

export interface ConfigFile {
  readonly value: unknown;
  /** 1-based line of the key (or list item) at `path`, if the file has it. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** Reads and parses one YAML file; KEDGE_CONFIG_UNREADABLE names the file (and line). */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${file}: cannot read config file: ${errorMessage(err)}`,
      { file },
      { cause: err },
    );
  }
  return parseConfigText(text, file);
}

/**
 * Reads a file a config field names (a certificate, a key, a password file); KEDGE_CONFIG_UNREADABLE
 * names the field and the file.
 */
export function readFieldFile(field: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${field}: cannot read ${file}: ${errorMessage(err)}`,
      { file, fields: [field] },
      { cause: err },
    );
  }
}

/** Parses YAML text as `file` (used in messages). */
export function parseConfigText(text: string, file: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0] ?? e.code}`;
    });
    const first = lines.linePos(doc.errors[0]?.pos[0] ?? 0).line;
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', `${file}: invalid YAML\n${problems.join('\n')}`, {
      file,
      line: first,
      fields: problems,
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `${file}: invalid YAML: ${errorMessage(err)}`,
      { file },
      { cause: err },
    );
  }
  try {
    JSON.stringify(value);
  } catch (err: unknown) {
    const message = `${file}: invalid YAML: an alias refers to itself`;
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', message, { file }, { cause: err });
  }
  return { value: value ?? {}, lineOf: (path) => lineOfPath(doc.contents, path, lines) };
}

function lineOfPath(node: unknown, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  let current = node;
  let offset: number | undefined;
  for (const part of path) {
    if (isMap(current)) {
      const pair = current.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
      );
      if (!pair) return undefined;
      offset = (pair.key as Node).range?.[0];
      current = pair.value;
    } else if (isSeq(current) && typeof part === 'number') {
      const item = current.items[part] as Node | undefined;
      if (!item) return undefined;
      offset = item.range?.[0];
      current = item;
    } else return undefined;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
