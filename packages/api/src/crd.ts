// CustomResourceDefinitions (apiextensions.k8s.io/v1) generated from the zod
// schemas in `kinds`: the one source of configs/crds/*.yaml.
import { stringify } from 'yaml';
import { z } from 'zod';
import { toStructuralSchema, type OpenApiSchema } from './crd-schema.ts';
import { KedgeError } from './errors.ts';
import { kinds, type KindName, type ResourceKind } from './kinds.ts';
import { V1ALPHA1_SERVED_SCHEMAS } from './resources/node-task-v1alpha1-served.ts';

export interface RenderedCrd {
  /** `<group>_<plural>.yaml` */
  fileName: string;
  yaml: string;
}

const HEADER = '# Generated from packages/api (kinds.ts) by `node scripts/generate.ts`. Do not edit.\n';

/** One CRD per kind that ships one, sorted by file name. */
export function renderCrds(): RenderedCrd[] {
  return crdKinds()
    .map((k) => ({
      fileName: `${k.group}_${k.plural}.yaml`,
      yaml: HEADER + stringify(buildCrd(k), { lineWidth: 0, aliasDuplicateObjects: false }),
    }))
    .sort((a, b) => a.fileName.localeCompare(b.fileName));
}

export function crdKinds(): ResourceKind[] {
  return (Object.keys(kinds) as KindName[]).map((name): ResourceKind => kinds[name]).filter((k) => k.crd);
}

/** The CRD object for one kind. */
export function buildCrd(k: ResourceKind): OpenApiSchema {
  const schema = openApiSchemaOf(k);
  const version = (name: string, storage: boolean): OpenApiSchema => {
    // v1alpha1 in KubeEdge's own shape (its status has no phase or progress, so no columns for them).
    const served = name === 'v1alpha1' ? V1ALPHA1_SERVED_SCHEMAS[k.kind] : undefined;
    return served === undefined
      ? versionEntry(name, storage, schema)
      : { ...versionEntry(name, storage, openApiSchemaOf(k, served)), additionalPrinterColumns: undefined };
  };
  const versionEntry = (name: string, storage: boolean, schema: OpenApiSchema): OpenApiSchema => ({
    name,
    served: true,
    storage,
    ...(storage
      ? {}
      : {
          deprecated: true,
          deprecationWarning: `${k.group}/${name} ${k.kind} is deprecated; use ${k.group}/${k.version}`,
        }),
    schema: { openAPIV3Schema: schema },
    ...(k.statusSubresource ? { subresources: { status: {} } } : {}),
    ...(k.printerColumns.length > 0
      ? { additionalPrinterColumns: k.printerColumns.map((c) => ({ ...c })) }
      : {}),
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${k.group}`, labels: { 'app.kubernetes.io/part-of': 'kedge' } },
    spec: {
      group: k.group,
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        ...(k.shortNames.length > 0 ? { shortNames: [...k.shortNames] } : {}),
      },
      scope: k.scope,
      versions: [version(k.version, true), ...k.alsoServed.map((v) => version(v, false))],
    },
  };
}

/** The structural openAPIV3Schema of a kind (or of `schema`, another version of it): apiVersion, kind, metadata, spec, status. */
function openApiSchemaOf(k: ResourceKind, schema: z.ZodType = k.schema): OpenApiSchema {
  let json: OpenApiSchema;
  try {
    json = z.toJSONSchema(schema, {
      target: 'openapi-3.0',
      io: 'input',
      unrepresentable: 'throw',
    }) as OpenApiSchema;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_INTERNAL',
      `cannot render the schema of ${k.kind}`,
      { resource: k.kind },
      { cause: err },
    );
  }
  const props = (json.properties ?? {}) as Record<string, OpenApiSchema>;
  const required = Array.isArray(json.required) ? (json.required as string[]) : [];
  const properties: OpenApiSchema = {
    apiVersion: {
      type: 'string',
      description: 'Versioned schema of this representation of an object.',
    },
    kind: { type: 'string', description: 'The REST resource this object represents.' },
    // Kubernetes validates metadata itself; a CRD may not restrict it beyond name.
    metadata: { type: 'object' },
  };
  for (const [name, prop] of Object.entries(props)) {
    if (name === 'apiVersion' || name === 'kind' || name === 'metadata') continue;
    properties[name] = toStructuralSchema(prop, name);
  }
  const rootRequired = required.filter((name) => name === 'spec');
  return {
    type: 'object',
    ...(k.description ? { description: k.description } : {}),
    properties,
    ...(rootRequired.length > 0 ? { required: rootRequired } : {}),
  };
}
