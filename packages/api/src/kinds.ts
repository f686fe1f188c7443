// Every resource kind kedge serves, in one table: its group, versions, scope,
// names and the schema that is at once its TypeScript type, its runtime
// validation (store, kedgectl, wire) and its CRD (configs/crds/).
import type { z } from 'zod';
import { NodeSchema } from './resources/node.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceKind<S extends z.ZodType = z.ZodType> {
  /** '' for the core group. */
  readonly group: string;
  /** The storage version; objects are stored and returned at this version. */
  readonly version: string;
  /** Other versions accepted on input (same schema, no conversion). */
  readonly alsoServed: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: 'Cluster' | 'Namespaced';
  readonly shortNames: readonly string[];
  readonly schema: S;
  readonly statusSubresource: boolean;
  readonly printerColumns: readonly PrinterColumn[];
  /** Whether kedge ships a CRD for it (false for built-in kinds like Node). */
  readonly crd: boolean;
}

function defineKind<S extends z.ZodType>(k: ResourceKind<S>): ResourceKind<S> {
  return Object.freeze(k);
}

export const kinds = {
  Node: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    scope: 'Cluster',
    shortNames: ['no'],
    schema: NodeSchema,
    statusSubresource: true,
    printerColumns: [],
    crd: false,
  }),
} as const;

export type KindName = keyof typeof kinds;
export type ResourceOf<K extends KindName> = z.infer<(typeof kinds)[K]['schema']>;
export type AnyResource = ResourceOf<KindName>;

export function apiVersionOf(k: ResourceKind, version = k.version): string {
  return k.group === '' ? version : `${k.group}/${version}`;
}

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(kinds, name);
}

/** Finds a kind by any of: Kind, plural, singular, short name, `plural.group` (case-insensitive). */
export function findKind(word: string): KindName | undefined {
  const w = word.toLowerCase();
  for (const [name, k] of Object.entries(kinds) as [KindName, ResourceKind][]) {
    const names = [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames, `${k.plural}.${k.group}`];
    if (names.includes(w)) return name;
  }
  return undefined;
}

/** The kind an object declares by apiVersion + kind, if kedge serves it. */
export function kindOfObject(apiVersion: string, kind: string): KindName | undefined {
  if (!isKindName(kind)) return undefined;
  const k: ResourceKind = kinds[kind];
  const versions = [k.version, ...k.alsoServed].map((v) => apiVersionOf(k, v));
  return versions.includes(apiVersion) ? kind : undefined;
}
