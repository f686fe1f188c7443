// Kubernetes resource quantities ("100m", "128Mi", "1.5G", "2e3", 4) as plain
// numbers in base units: cores for cpu, bytes for memory, a count for pods.
// Enough precision for scheduling and cgroup limits; not an exact decimal.
import { z } from 'zod';

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The value of a quantity in base units, or undefined when it is not one. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

const ResourceQuantitySchema = z.union([z.string(), z.number()]).refine((q) => {
  const v = parseQuantity(q);
  return v !== undefined && v >= 0;
}, 'must be a non-negative quantity such as 250m, 128Mi or 2');

/** `cpu: 500m`, `memory: 256Mi`, `pods: 110`. */
export const ResourceListSchema = z.record(z.string(), ResourceQuantitySchema);

/** An int, or a string such as "25%" (maxSurge) or a named port ("http"). */
export const IntOrStringSchema = z.union([z.number().int(), z.string().min(1)]);
export type IntOrString = z.infer<typeof IntOrStringSchema>;
