// The reference config a daemon prints on --defaultconfig: YAML with each
// field's schema description as its comment.
import { Document, isMap, isPair, isScalar } from 'yaml';
import { z } from 'zod';
import { unwrapSchema } from '@kedge/api';

/** YAML for a config, each field preceded by its schema description (`.describe()`). */
export function renderConfig(schema: z.ZodType, value: unknown, header: string): string {
  const doc = new Document(value);
  doc.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  attachComments(schema, doc.contents);
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

function attachComments(schema: z.ZodType, node: unknown): void {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject) || !isMap(node)) return;
  const shape = inner.shape as Record<string, z.ZodType>;
  for (const pair of node.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const field = shape[String(pair.key.value)];
    if (!field) continue;
    const description = field.description ?? unwrapSchema(field).description;
    if (description && isScalar(pair.value)) pair.value.comment = ` ${description}`;
    else if (description)
      pair.key.commentBefore = description
        .split('\n')
        .map((l) => ` ${l}`)
        .join('\n');
    attachComments(field, pair.value);
  }
}
