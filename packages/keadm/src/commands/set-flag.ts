// `--set a.b=c,d=e` as keadm's config-update takes it: pairs split on commas
// outside quotes, braces and brackets, each split on its one `=` outside them.
// Unlike KubeEdge, a malformed pair is an error naming it, not skipped.
import { KedgeError } from '@kedge/api';

export function parseSetFlag(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of splitTopLevel(text, ',')) {
    if (pair.trim() === '') continue;
    const parts = splitTopLevel(pair, '=');
    const key = parts[0]?.trim() ?? '';
    if (parts.length !== 2 || key === '') {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--set: "${pair}" is not key=value (e.g. modules.edgeHub.heartbeat=30)`,
        {
          fields: ['--set'],
        },
      );
    }
    if (Object.hasOwn(fields, key)) {
      throw new KedgeError('KEDGE_CLI_USAGE', `--set: ${key} is given twice`, { fields: ['--set'] });
    }
    fields[key] = (parts[1] ?? '').trim();
  }
  if (Object.keys(fields).length === 0) {
    throw new KedgeError('KEDGE_CLI_USAGE', '--set: no key=value pairs', { fields: ['--set'] });
  }
  return fields;
}

function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
