// Server-side list handling as the KubeEdge dashboard BFF does it: `page`
// (from 1), `pageSize` (default 20, at most 200), `sort` + `order` (asc or
// desc, default desc when sorting), `filter=field:value,...`, where a value
// matches exactly, or by prefix (`edge-*`), suffix (`*-1`) or substring
// (`*gpu*`). Fields are the slim item's top-level fields.
import { badRequest } from './http-util.ts';

export interface ListPage<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  hasNext: boolean;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 200;

function positiveInt(params: URLSearchParams, name: string, fallback: number, max?: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw badRequest(`${name}: must be a positive integer, got "${raw}"`, [name]);
  const n = Number(raw);
  if (max !== undefined && n > max) throw badRequest(`${name}: must be at most ${max}, got ${n}`, [name]);
  return n;
}

function fieldText(item: object, field: string): string | undefined {
  const value = (item as Record<string, unknown>)[field];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
}

function matches(text: string, pattern: string): boolean {
  const starts = pattern.startsWith('*');
  const ends = pattern.endsWith('*') && pattern.length > 1;
  const core = pattern.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return text.includes(core);
  if (starts) return text.endsWith(core);
  if (ends) return text.startsWith(core);
  return text === pattern;
}

/** Applies filter, sort and paging to `all`; unknown fields are a 400 naming the field. */
export function listPage<T extends object>(
  all: T[],
  params: URLSearchParams,
  fields: readonly string[],
): ListPage<T> {
  const page = positiveInt(params, 'page', 1);
  const pageSize = positiveInt(params, 'pageSize', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  let items = all;
  const filter = params.get('filter');
  if (filter !== null && filter !== '') {
    for (const clause of filter.split(',')) {
      const colon = clause.indexOf(':');
      if (colon <= 0) throw badRequest(`filter: "${clause}" is not field:value`, ['filter']);
      const field = clause.slice(0, colon);
      const pattern = clause.slice(colon + 1);
      if (!fields.includes(field))
        throw badRequest(`filter: unknown field "${field}" (one of ${fields.join(', ')})`, ['filter']);
      items = items.filter((item) => {
        const text = fieldText(item, field);
        return text !== undefined && matches(text, pattern);
      });
    }
  }
  const sort = params.get('sort');
  if (sort !== null && sort !== '') {
    if (!fields.includes(sort))
      throw badRequest(`sort: unknown field "${sort}" (one of ${fields.join(', ')})`, ['sort']);
    const order = params.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc')
      throw badRequest(`order: must be asc or desc, got "${order}"`, ['order']);
    const sign = order === 'asc' ? 1 : -1;
    items = [...items].sort(
      (a, b) =>
        sign * (fieldText(a, sort) ?? '').localeCompare(fieldText(b, sort) ?? '', 'en', { numeric: true }),
    );
  }
  const start = (page - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    total: items.length,
    page,
    pageSize,
    hasNext: start + pageSize < items.length,
  };
}
