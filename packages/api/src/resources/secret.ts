// core/v1 Secret: used for image pull secrets (ImagePrePullJob imageSecrets).
// `data` holds base64 strings as the API returns them; `stringData` is the
// write-only plain form the API server merges into `data`.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

export const SecretSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: ObjectMetaSchema,
  type: z.string().optional(),
  data: z.record(z.string(), z.base64('must be base64')).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
  immutable: z.boolean().optional(),
});

export type Secret = z.infer<typeof SecretSchema>;

/** The decoded (UTF-8) value of `key`, from `stringData` first, as the API server would merge them. */
export function secretValue(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  if (encoded === undefined) return undefined;
  return new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
}
