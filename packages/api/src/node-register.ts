// Content of the register message an edge node sends right after connecting
// (docs/tunnel.md, Handshake).
import { z } from 'zod';

export const RegisterNodeContentSchema = z.object({
  edgecoreVersion: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
  addresses: z.array(z.object({ type: z.string(), address: z.string() })).default([]),
  nodeInfo: z
    .object({
      architecture: z.string().optional(),
      operatingSystem: z.string().optional(),
      kernelVersion: z.string().optional(),
      osImage: z.string().optional(),
      containerRuntimeVersion: z.string().optional(),
    })
    .default({}),
  /** Node status capacity / allocatable as Kubernetes quantities (`cpu`, `memory`, `pods`). */
  capacity: z.record(z.string(), z.string()).optional(),
  allocatable: z.record(z.string(), z.string()).optional(),
});

export type RegisterNodeContent = z.infer<typeof RegisterNodeContentSchema>;

/** The `error` reply content on the tunnel. */
export const WireErrorContentSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});

export type WireErrorContent = z.infer<typeof WireErrorContentSchema>;
