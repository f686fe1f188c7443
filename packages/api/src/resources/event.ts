// core/v1 Event: how edge reports reach an operator (`kubectl get events`,
// the dashboard). The root is loose: the API server adds fields
// (eventTime, reportingComponent, series, ...) that we keep untouched.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

const ObjectReferenceSchema = z.looseObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
});

const EventSourceSchema = z.looseObject({
  component: z.string().optional(),
  host: z.string().optional(),
});

export const EventSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: ObjectMetaSchema,
  involvedObject: ObjectReferenceSchema,
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.enum(EventType).optional(),
  source: EventSourceSchema.optional(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  count: z.number().int().min(0).optional(),
});

export type Event = z.infer<typeof EventSchema>;
