// The small JSONPath dialect of Kubernetes printer columns:
//   .metadata.name   .spec.nodeNames[0]   .status.nodeStatus[*].nodeName
//   .metadata.labels['kubernetes.io/hostname']   .metadata.labels.a\.b
//   .status.conditions[?(@.type=="Ready")].status   (also !=, numbers, true/false)
// An optional `{...}` wrapper and leading `$` are accepted. Evaluation returns
// every match, in document order; a missing field is simply no match.
import { KedgeError } from '@kedge/api';

type Literal = string | number | boolean;

export type JsonPathSegment =
  | { type: 'key'; key: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  | { type: 'filter'; path: JsonPathSegment[]; op: '==' | '!='; value: Literal };

export function parseJsonPath(expression: string): JsonPathSegment[] {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  const segments: JsonPathSegment[] = [];
  let i = 0;
  const fail = (problem: string): never => {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `jsonPath ${JSON.stringify(expression)}: ${problem} at offset ${i}`,
    );
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      if (text[i] === '*') {
        segments.push({ type: 'wildcard' });
        i++;
        continue;
      }
      let key = '';
      while (i < text.length && text[i] !== '.' && text[i] !== '[') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        key += text[i];
        i++;
      }
      if (key === '') fail('empty field name');
      segments.push({ type: 'key', key });
    } else if (c === '[') {
      const close = findClosingBracket(text, i);
      if (close < 0) fail('unclosed [');
      segments.push(parseBracket(text.slice(i + 1, close).trim(), fail));
      i = close + 1;
    } else {
      fail(`unexpected ${JSON.stringify(c)}`);
    }
  }
  return segments;
}

function findClosingBracket(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ']') {
      return i;
    }
  }
  return -1;
}

function parseBracket(inner: string, fail: (problem: string) => never): JsonPathSegment {
  if (inner === '*') return { type: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { type: 'index', index: Number(inner) };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted) return { type: 'key', key: quoted[2] ?? '' };
  const filter = /^\?\(\s*@((?:\.[^=!\s]+)+)\s*(==|!=)\s*(.+?)\s*\)$/.exec(inner);
  if (filter) {
    return {
      type: 'filter',
      path: parseJsonPath(filter[1] ?? ''),
      op: filter[2] === '!=' ? '!=' : '==',
      value: parseLiteral(filter[3] ?? '', fail),
    };
  }
  return fail(`unsupported [${inner}]`);
}

function parseLiteral(text: string, fail: (problem: string) => never): Literal {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2] ?? '';
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return Number.isFinite(n) ? n : fail(`bad literal ${text}`);
}

export function evaluateJsonPath(value: unknown, path: string | readonly JsonPathSegment[]): unknown[] {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  let current: unknown[] = [value];
  for (const segment of segments) current = current.flatMap((v) => step(v, segment));
  return current;
}

function step(value: unknown, segment: JsonPathSegment): unknown[] {
  switch (segment.type) {
    case 'key':
      return isRecord(value) && Object.hasOwn(value, segment.key) ? [value[segment.key]] : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const index = segment.index < 0 ? value.length + segment.index : segment.index;
      return index >= 0 && index < value.length ? [value[index] as unknown] : [];
    }
    case 'wildcard':
      if (Array.isArray(value)) return value as unknown[];
      return isRecord(value) ? Object.values(value) : [];
    case 'filter': {
      if (!Array.isArray(value)) return [];
      return (value as unknown[]).filter((item) => {
        const matches = evaluateJsonPath(item, segment.path).some((v) => v === segment.value);
        return segment.op === '==' ? matches : !matches;
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
