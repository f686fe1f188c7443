// Kubernetes label selectors as strings (`a=b,c!=d,e in (f,g),h,!i`) and as
// the structured form resources carry (matchLabels / matchExpressions), both
// reduced to one list of requirements that every backend matches the same way.
import { KedgeError, type LabelSelector } from '@kedge/api';

type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** One or more values for In/NotIn; empty for Exists/DoesNotExist. */
  values: string[];
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** Characters a key or value token may contain; everything else is syntax. */
const WORD_CHAR = /[A-Za-z0-9_.\-/]/;

function invalid(selector: string, problem: string): KedgeError {
  return new KedgeError('KEDGE_RESOURCE_INVALID', `labelSelector: ${problem} in "${selector}"`, {
    fields: ['labelSelector'],
  });
}

function checkKey(selector: string, key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((prefix !== undefined && !PREFIX.test(prefix)) || !NAME_PART.test(name)) {
    throw invalid(selector, `invalid label key "${key}"`);
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value)) throw invalid(selector, `invalid label value "${value}"`);
  return value;
}

/** A small cursor over the selector text. */
class Scanner {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  done(): boolean {
    return this.peek() === '';
  }

  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && WORD_CHAR.test(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }

  take(literal: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  expect(literal: string, what: string): void {
    if (!this.take(literal)) throw invalid(this.text, `expected ${what} at position ${this.pos}`);
  }
}

function parseSet(s: Scanner): string[] {
  s.expect('(', '"("');
  const values: string[] = [];
  for (;;) {
    values.push(checkValue(s.text, s.word()));
    if (s.take(')')) break;
    s.expect(',', '"," or ")"');
  }
  if (values.length === 1 && values[0] === '') throw invalid(s.text, 'empty value set');
  return [...new Set(values)];
}

function parseRequirement(s: Scanner): LabelSelectorRequirement {
  if (s.take('!')) {
    return { key: checkKey(s.text, s.word()), operator: 'DoesNotExist', values: [] };
  }
  const key = checkKey(s.text, s.word());
  const next = s.peek();
  if (next === '' || next === ',') return { key, operator: 'Exists', values: [] };
  if (s.take('!=')) return { key, operator: 'NotIn', values: [checkValue(s.text, s.word())] };
  if (s.take('==') || s.take('=')) return { key, operator: 'In', values: [checkValue(s.text, s.word())] };
  const op = s.word();
  if (op === 'in') return { key, operator: 'In', values: parseSet(s) };
  if (op === 'notin') return { key, operator: 'NotIn', values: parseSet(s) };
  throw invalid(s.text, `unknown operator "${op || next}" after "${key}"`);
}

/** Parses Kubernetes selector syntax; '' (or only spaces) selects everything. */
export function parseLabelSelector(selector: string): LabelSelectorRequirement[] {
  const s = new Scanner(selector);
  const reqs: LabelSelectorRequirement[] = [];
  if (s.done()) return reqs;
  for (;;) {
    reqs.push(parseRequirement(s));
    if (s.done()) return reqs;
    s.expect(',', '","');
  }
}

export function matchesLabelSelector(
  reqs: readonly LabelSelectorRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return reqs.every((r) => {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.operator) {
      case 'In':
        return value !== undefined && r.values.includes(value);
      case 'NotIn':
        return value === undefined || !r.values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

/**
 * The string form of a structured selector, in a stable order (labels sorted,
 * values sorted). An empty selector gives '' which selects everything.
 */
export function labelSelectorToString(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
    const values = [...(e.values ?? [])].sort();
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    if (needsValues !== values.length > 0) {
      const problem = needsValues ? 'must be non-empty for In and NotIn' : `must be empty for ${e.operator}`;
      throw new KedgeError('KEDGE_RESOURCE_INVALID', `matchExpressions[${i}].values: ${problem}`, {
        fields: [`matchExpressions[${i}].values`],
      });
    }
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.join(',');
}
