// coordination.k8s.io/v1 Lease: a named lock with a holder and an expiry.
// controllermanager replicas elect their leader through one Lease
// (kubeedge/kedge-controllermanager by default). Times are MicroTime:
// RFC 3339 with exactly six fractional digits, as the API server requires.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

const MicroTimeSchema = z.string().regex(MICRO_TIME, 'must be RFC 3339 with microseconds');

const LeaseSpecSchema = z.looseObject({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: z.number().int().min(1).optional(),
  acquireTime: MicroTimeSchema.optional(),
  renewTime: MicroTimeSchema.optional(),
  leaseTransitions: z.number().int().min(0).optional(),
});

export const LeaseSchema = z.looseObject({
  apiVersion: z.literal('coordination.k8s.io/v1'),
  kind: z.literal('Lease'),
  metadata: ObjectMetaSchema,
  spec: LeaseSpecSchema.optional(),
});

export type Lease = z.infer<typeof LeaseSchema>;
export type LeaseSpec = z.infer<typeof LeaseSpecSchema>;

/** A MicroTime for `date`: `2030-01-01T00:00:00.123000Z`. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
