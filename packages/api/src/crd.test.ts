import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCrd, crdKinds, renderCrds } from './crd.ts';
import { structuralProblems, toStructuralSchema, type OpenApiSchema } from './crd-schema.ts';
import { errorMessage, hasCode } from './errors.ts';
import { kinds } from './kinds.ts';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  schema: { openAPIV3Schema: OpenApiSchema };
  subresources?: { status: object };
  additionalPrinterColumns?: { name: string; jsonPath: string; type: string }[];
}
interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; shortNames?: string[] };
    versions: CrdVersion[];
  };
}

const rendered = renderCrds();
const crds = new Map(rendered.map((r) => [r.fileName, parse(r.yaml) as Crd]));

function crd(fileName: string): Crd {
  const c = crds.get(fileName);
  if (!c) throw new Error(`no ${fileName}`);
  return c;
}

/** The schema node at a printer column's jsonPath (`.status.phase`), if any. */
function schemaAt(root: OpenApiSchema, jsonPath: string): OpenApiSchema | undefined {
  let node: OpenApiSchema | undefined = root;
  for (const part of jsonPath.split('.').slice(1)) {
    node = (node?.properties as Record<string, OpenApiSchema> | undefined)?.[part];
  }
  return node;
}

describe('CRD generation', () => {
  it('renders one file per custom kind', () => {
    expect(rendered.map((r) => r.fileName)).toEqual([
      'apps.kubeedge.io_edgeapplications.yaml',
      'apps.kubeedge.io_nodegroups.yaml',
      'operations.kubeedge.io_configupdatejobs.yaml',
      'operations.kubeedge.io_imageprepulljobs.yaml',
      'operations.kubeedge.io_nodeupgradejobs.yaml',
    ]);
  });

  it('is stable: rendering twice gives the same bytes', () => {
    expect(renderCrds()).toEqual(rendered);
  });

  it('emits structural schemas only: no $ref, no anchors, every node typed', () => {
    for (const { fileName, yaml } of rendered) {
      expect(yaml, fileName).not.toMatch(/\$ref|\$schema|additionalProperties: false|&a\d|\*a\d/);
      for (const version of crd(fileName).spec.versions) {
        expect(structuralProblems(version.schema.openAPIV3Schema), `${fileName} ${version.name}`).toEqual([]);
      }
    }
  });

  it('leaves metadata to Kubernetes', () => {
    for (const c of crds.values()) {
      expect(c.spec.versions[0]?.schema.openAPIV3Schema.properties).toMatchObject({
        metadata: { type: 'object' },
      });
    }
  });

  it('serves v1alpha1 beside the stored v1alpha2 for NodeUpgradeJob and ImagePrePullJob only', () => {
    for (const file of [
      'operations.kubeedge.io_nodeupgradejobs.yaml',
      'operations.kubeedge.io_imageprepulljobs.yaml',
    ]) {
      const versions = crd(file).spec.versions.map((v) => [
        v.name,
        v.served,
        v.storage,
        v.deprecated ?? false,
      ]);
      expect(versions).toEqual([
        ['v1alpha2', true, true, false],
        ['v1alpha1', true, false, true],
      ]);
    }
    expect(crd('operations.kubeedge.io_configupdatejobs.yaml').spec.versions.map((v) => v.name)).toEqual([
      'v1alpha2',
    ]);
  });

  it("serves v1alpha1 in KubeEdge's shape: its spec fields (imageDigestGatter.value too) and its status", () => {
    const keys = (node: OpenApiSchema | undefined): string[] =>
      Object.keys((node?.properties as Record<string, OpenApiSchema> | undefined) ?? {}).sort();
    const v1 = (file: string): OpenApiSchema =>
      crd(file).spec.versions.find((v) => v.name === 'v1alpha1')!.schema.openAPIV3Schema;
    const upgrade = v1('operations.kubeedge.io_nodeupgradejobs.yaml');
    expect(keys(schemaAt(upgrade, '.spec'))).toEqual(
      [
        'checkItems',
        'concurrency',
        'failureTolerate',
        'image',
        'imageDigestGatter',
        'labelSelector',
        'nodeNames',
        'requireConfirmation',
        'timeoutSeconds',
        'version',
      ].sort(),
    );
    expect(keys(schemaAt(upgrade, '.spec.imageDigestGatter'))).toEqual(
      expect.arrayContaining(['registryAPI', 'value']),
    );
    expect(keys(schemaAt(upgrade, '.status'))).toEqual(
      [
        'action',
        'currentVersion',
        'event',
        'historicVersion',
        'nodeStatus',
        'reason',
        'state',
        'time',
      ].sort(),
    );
    expect(keys(schemaAt(upgrade, '.status.nodeStatus')?.items as OpenApiSchema)).toEqual(
      ['action', 'event', 'nodeName', 'reason', 'state', 'time'].sort(),
    );
    const prePull = v1('operations.kubeedge.io_imageprepulljobs.yaml');
    expect(keys(schemaAt(prePull, '.spec.imagePrePullTemplate'))).toEqual(
      [
        'checkItems',
        'concurrency',
        'failureTolerate',
        'imageSecrets',
        'images',
        'labelSelector',
        'nodeNames',
        'retryTimes',
        'timeoutSeconds',
      ].sort(),
    );
    expect(keys(schemaAt(prePull, '.status'))).toEqual([
      'action',
      'event',
      'reason',
      'state',
      'status',
      'time',
    ]);
    const item = schemaAt(prePull, '.status.status')?.items as OpenApiSchema;
    expect(keys(item)).toEqual(['imageStatus', 'nodeStatus']);
    expect(keys(schemaAt(item, '.nodeStatus'))).toEqual([
      'action',
      'event',
      'nodeName',
      'reason',
      'state',
      'time',
    ]);
  });

  it('has the names, scope and status subresource of each kind', () => {
    const facts = [...crds.values()].map((c) => [c.metadata.name, c.spec.scope, c.spec.names.shortNames]);
    expect(facts).toEqual([
      ['edgeapplications.apps.kubeedge.io', 'Namespaced', ['eapp']],
      ['nodegroups.apps.kubeedge.io', 'Cluster', ['ng']],
      ['configupdatejobs.operations.kubeedge.io', 'Cluster', ['cuj']],
      ['imageprepulljobs.operations.kubeedge.io', 'Cluster', ['ipj']],
      ['nodeupgradejobs.operations.kubeedge.io', 'Cluster', ['nuj']],
    ]);
    for (const c of crds.values())
      for (const v of c.spec.versions) expect(v.subresources).toEqual({ status: {} });
  });

  it('shows phase and progress for jobs, with columns that point at real fields', () => {
    for (const file of rendered.map((r) => r.fileName).filter((f) => f.startsWith('operations'))) {
      const version = crd(file).spec.versions[0];
      const columns = version?.additionalPrinterColumns ?? [];
      expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['Phase', 'Progress', 'Age']));
      for (const column of columns) {
        if (column.jsonPath.startsWith('.metadata.')) continue;
        expect(
          schemaAt(version!.schema.openAPIV3Schema, column.jsonPath),
          `${file} ${column.jsonPath}`,
        ).toBeDefined();
      }
    }
  });

  it('carries the selector rule to the API server as CEL and value rules as schema keywords', () => {
    const spec = schemaAt(
      crd('operations.kubeedge.io_nodeupgradejobs.yaml').spec.versions[0]!.schema.openAPIV3Schema,
      '.spec',
    );
    const rules = spec?.['x-kubernetes-validations'] as { rule: string; message: string }[];
    expect(rules).toHaveLength(1);
    expect(rules[0]?.rule).toContain('has(self.labelSelector)');
    expect(schemaAt(spec!, '.concurrency')).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemaAt(spec!, '.failureTolerate')?.pattern).toBe('^(0(\\.[0-9]*)?|1(\\.0*)?|\\.[0-9]+)$');
    expect(spec?.required).toEqual(['version']);
  });

  it('maps loose objects and quantities to Kubernetes extensions', () => {
    const root = crd('apps.kubeedge.io_edgeapplications.yaml').spec.versions[0]!.schema.openAPIV3Schema;
    const manifests = schemaAt(root, '.spec.workloadTemplate.manifests');
    expect(manifests?.items).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const overriders = schemaAt(root, '.spec.workloadScope.targetNodeGroups') as { items: OpenApiSchema };
    const resources = schemaAt(overriders.items, '.overriders.resourcesOverriders') as {
      items: OpenApiSchema;
    };
    expect(schemaAt(resources.items, '.value.limits')?.additionalProperties).toEqual({
      'x-kubernetes-int-or-string': true,
    });
  });

  it('refuses a schema it cannot express, naming where', () => {
    let thrown: unknown;
    try {
      toStructuralSchema({ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, 'spec.x');
    } catch (err: unknown) {
      thrown = err;
    }
    expect(hasCode(thrown, 'KEDGE_INTERNAL')).toBe(true);
    expect(errorMessage(thrown)).toContain('spec.x: unions other than');
    expect(() => toStructuralSchema({ type: 'object', $ref: '#/x' }, 'spec.y')).toThrow(
      /spec\.y: unsupported keyword "\$ref"/,
    );
  });

  it('builds only for kinds that ship a CRD', () => {
    expect(crdKinds().map((k) => k.kind)).not.toContain('Node');
    expect(() => buildCrd(kinds.NodeGroup)).not.toThrow();
  });
});
