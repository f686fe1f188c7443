// Rendering of EdgeApplication templates against upstream's rules
// (cloud/pkg/controllermanager/edgeapplication/overridemanager): names,
// overrider order, each overrider, placement, Services, failures.
import { describe, expect, it } from 'vitest';
import type { EdgeApplication, Overriders } from '@kedge/api';
import { overrideImage } from './image-components.ts';
import { applyOverriders, isZeroQuantity, type Json } from './overriders.ts';
import { labelSetSuffix, renderApp } from './render-app.ts';

const BELONGING = 'apps.kubeedge.io/belonging-to';

function deployment(containers: Json[] = [{ name: 'web', image: 'nginx:1.14.2' }]): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { nodeSelector: { disk: 'ssd' }, containers: structuredClone(containers) },
      },
    },
  };
}

function app(manifests: Json[], scope: EdgeApplication['spec']['workloadScope']): EdgeApplication {
  return {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'EdgeApplication',
    metadata: { name: 'shop', namespace: 'retail', uid: 'uid-1' },
    spec: { workloadTemplate: { manifests: manifests as never }, workloadScope: scope },
  };
}

function render(o: Overriders, containers?: Json[]): Json {
  const d = deployment(containers);
  applyOverriders(d, o, { group: 'g1' });
  return d;
}

const containersOf = (d: Json): Json[] =>
  ((d['spec'] as Json)['template'] as { spec: { containers: Json[] } }).spec.containers;

describe('names', () => {
  it('label targets are named ls- and the first 4 bytes of sha256 over the sorted key,value pairs', () => {
    expect(labelSetSuffix({ tier: 'edge', region: 'north' })).toBe('ls-5f4e8235');
    expect(labelSetSuffix({ zone: 'east' })).toBe('ls-2227cdc6');
  });

  it('one Deployment per group and per label set, in the app namespace, owned by the app', () => {
    const { objects, failures } = renderApp(
      app([deployment()], {
        targetNodeGroups: [{ name: 'beijing' }, { name: 'shanghai' }],
        targetNodeLabels: [{ labelSelector: { matchLabels: { zone: 'east' } } }],
      }),
    );
    expect(failures).toEqual([]);
    expect(objects.map((o) => o.identity.name)).toEqual(['web-beijing', 'web-shanghai', 'web-ls-2227cdc6']);
    const meta = objects[0]!.object['metadata'] as Json;
    expect(meta['namespace']).toBe('retail');
    expect(meta['labels']).toEqual({ app: 'web' });
    expect(meta['ownerReferences']).toEqual([
      {
        apiVersion: 'apps.kubeedge.io/v1alpha1',
        kind: 'EdgeApplication',
        name: 'shop',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    // The identifier carries the API version, not the Kind (upstream wrote the Kind into version).
    expect(objects[0]!.identity).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespace: 'retail',
      name: 'web-beijing',
    });
  });
});

describe('placement', () => {
  it('a group target replaces the whole nodeSelector with the group label', () => {
    const d = render({});
    expect(((d['spec'] as Json)['template'] as { spec: Json }).spec['nodeSelector']).toEqual({
      [BELONGING]: 'g1',
    });
  });

  it('a label target gets a required node affinity, one In expression per label, sorted', () => {
    const { objects } = renderApp(
      app([deployment()], {
        targetNodeLabels: [{ labelSelector: { matchLabels: { zone: 'east', arch: 'arm' } } }],
      }),
    );
    const spec = ((objects[0]!.object['spec'] as Json)['template'] as { spec: Json }).spec;
    expect(spec['affinity']).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'arch', operator: 'In', values: ['arm'] },
                { key: 'zone', operator: 'In', values: ['east'] },
              ],
            },
          ],
        },
      },
    });
    expect(spec['nodeSelector']).toEqual({ disk: 'ssd' });
  });
});

describe('replicas and image', () => {
  it('replicas replaces spec.replicas', () => {
    expect((render({ replicas: 3 })['spec'] as Json)['replicas']).toBe(3);
  });

  it('Registry / Repository / Tag with add, remove and replace, on every container', () => {
    const two = [
      { name: 'a', image: 'nginx:1.14.2' },
      { name: 'b', image: 'docker.io/library/redis:6.0.9' },
    ];
    const images = (o: Overriders) => containersOf(render(o, two)).map((c) => c['image']);
    expect(
      images({
        imageOverriders: [{ component: 'Registry', operator: 'replace', value: 'test-registry.com' }],
      }),
    ).toEqual(['test-registry.com/nginx:1.14.2', 'test-registry.com/library/redis:6.0.9']);
    expect(images({ imageOverriders: [{ component: 'Registry', operator: 'remove' }] })).toEqual([
      'nginx:1.14.2',
      'library/redis:6.0.9',
    ]);
    const redis = [two[1]!];
    expect(
      containersOf(
        render({ imageOverriders: [{ component: 'Registry', operator: 'add', value: ':5000' }] }, redis),
      )[0]!['image'],
    ).toBe('docker.io:5000/library/redis:6.0.9');
    // Adding to an image without a registry yields `.cn/nginx`, which is no image: refused, not written.
    expect(() =>
      images({ imageOverriders: [{ component: 'Registry', operator: 'add', value: '.cn' }] }),
    ).toThrow(/not a valid image/);
    expect(images({ imageOverriders: [{ component: 'Tag', operator: 'replace', value: 'latest' }] })).toEqual(
      ['nginx:latest', 'docker.io/library/redis:latest'],
    );
    expect(images({ imageOverriders: [{ component: 'Tag', operator: 'add', value: '-alpine' }] })).toEqual([
      'nginx:1.14.2-alpine',
      'docker.io/library/redis:6.0.9-alpine',
    ]);
    expect(images({ imageOverriders: [{ component: 'Tag', operator: 'remove' }] })).toEqual([
      'nginx',
      'docker.io/library/redis',
    ]);
    expect(
      images({ imageOverriders: [{ component: 'Repository', operator: 'replace', value: 'test-nginx' }] }),
    ).toEqual(['test-nginx:1.14.2', 'docker.io/test-nginx:6.0.9']);
    expect(
      images({ imageOverriders: [{ component: 'Repository', operator: 'add', value: '-mirror' }] }),
    ).toEqual(['nginx-mirror:1.14.2', 'docker.io/library/redis-mirror:6.0.9']);
  });

  it('predicate.path changes only the image it names', () => {
    const two = [
      { name: 'a', image: 'nginx:1.14.2' },
      { name: 'b', image: 'redis:6.0.9' },
    ];
    const d = render(
      {
        imageOverriders: [
          {
            predicate: { path: '/spec/template/spec/containers/1/image' },
            component: 'Repository',
            operator: 'replace',
            value: 'valkey',
          },
        ],
      },
      two,
    );
    expect(containersOf(d).map((c) => c['image'])).toEqual(['nginx:1.14.2', 'valkey:6.0.9']);
  });

  it('keeps a digest next to a tag; refuses results that are no image', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(
      overrideImage(`reg.io:5000/app:v1@${digest}`, {
        component: 'Registry',
        operator: 'replace',
        value: 'mirror.local',
      }),
    ).toBe(`mirror.local/app:v1@${digest}`);
    expect(
      overrideImage(`localhost/app@${digest}`, { component: 'Tag', operator: 'replace', value: 'v2' }),
    ).toBe('localhost/app:v2');
    expect(() => overrideImage('reg.io/app:v1', { component: 'Repository', operator: 'remove' })).toThrow(
      /not a valid image/,
    );
    expect(() => overrideImage('app:v1', { component: 'Tag', operator: 'replace', value: 'no/tag' })).toThrow(
      /neither a tag nor a digest/,
    );
  });
});

describe('command, args, env, resources', () => {
  const one = [
    {
      name: 'web',
      image: 'nginx:1.14.2',
      command: ['nginx', '-g'],
      args: ['daemon off;', '--debug'],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      resources: { requests: { cpu: '100m', memory: '64Mi' } },
    },
    { name: 'side', image: 'busybox:1.36' },
  ];

  it('command/args add appends, remove drops every listed value, only in the named container', () => {
    const d = render(
      {
        commandOverriders: [{ containerName: 'web', operator: 'add', value: ['-c', '/etc/nginx.conf'] }],
        argsOverriders: [
          { containerName: 'web', operator: 'remove', value: ['--debug'] },
          { containerName: 'side', operator: 'add', value: ['sleep', '1'] },
        ],
      },
      one,
    );
    const [web, side] = containersOf(d);
    expect(web!['command']).toEqual(['nginx', '-g', '-c', '/etc/nginx.conf']);
    expect(web!['args']).toEqual(['daemon off;']);
    expect(side!['args']).toEqual(['sleep', '1']);
    expect(side!['command']).toBeUndefined();
  });

  it('env add appends, remove drops by name, replace swaps in place and appends new names', () => {
    const env = (o: Overriders['envOverriders']) =>
      containersOf(render({ envOverriders: o }, one))[0]!['env'];
    expect(env([{ containerName: 'web', operator: 'add', value: [{ name: 'C', value: '3' }] }])).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
    ]);
    expect(env([{ containerName: 'web', operator: 'remove', value: [{ name: 'A' }] }])).toEqual([
      { name: 'B', value: '2' },
    ]);
    expect(
      env([
        {
          containerName: 'web',
          operator: 'replace',
          value: [
            { name: 'A', value: 'x' },
            { name: 'Z', value: 'z' },
          ],
        },
      ]),
    ).toEqual([
      { name: 'A', value: 'x' },
      { name: 'B', value: '2' },
      { name: 'Z', value: 'z' },
    ]);
  });

  it('resources sets each non-zero quantity, keeps the others, creates what is missing', () => {
    const d = render(
      {
        resourcesOverriders: [
          {
            containerName: 'web',
            value: { requests: { cpu: '250m', memory: '0' }, limits: { memory: '128Mi' } },
          },
          { containerName: 'side', value: { limits: { cpu: '1' } } },
        ],
      },
      one,
    );
    const [web, side] = containersOf(d);
    expect(web!['resources']).toEqual({
      requests: { cpu: '250m', memory: '64Mi' },
      limits: { memory: '128Mi' },
    });
    expect(side!['resources']).toEqual({ limits: { cpu: '1' } });
    expect([isZeroQuantity('0'), isZeroQuantity('0Gi'), isZeroQuantity(0), isZeroQuantity('0.5')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('applies in upstream order: replicas, image, nodeSelector, command, args, env, resources', () => {
    const d = render(
      {
        replicas: 2,
        imageOverriders: [{ component: 'Tag', operator: 'replace', value: '1.27' }],
        commandOverriders: [{ containerName: 'web', operator: 'add', value: ['x'] }],
        envOverriders: [{ containerName: 'web', operator: 'add', value: [{ name: 'G', value: 'g1' }] }],
      },
      [{ name: 'web', image: 'nginx:1.14.2' }],
    );
    expect((d['spec'] as Json)['replicas']).toBe(2);
    expect(containersOf(d)[0]).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      command: ['x'],
      env: [{ name: 'G', value: 'g1' }],
    });
  });
});

describe('other manifests and failures', () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };

  it('drops status and server-set metadata of a template copied from a stored object', () => {
    const copied = {
      ...deployment(),
      metadata: { name: 'web', uid: 'u', resourceVersion: '7', creationTimestamp: '2030-01-01T00:00:00Z' },
      status: { readyReplicas: 3 },
    };
    const { objects } = renderApp(app([copied], { targetNodeGroups: [{ name: 'g1' }] }));
    const meta = objects[0]!.object['metadata'] as Json;
    expect(Object.keys(meta).sort()).toEqual(['name', 'namespace', 'ownerReferences']);
    expect(objects[0]!.object['status']).toBeUndefined();
  });

  it('a Service is rendered once, as written, with the range-nodegroup annotation; a ConfigMap once as written', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' }, data: { a: 'b' } };
    const { objects } = renderApp(app([service, cm], { targetNodeGroups: [{ name: 'g1' }, { name: 'g2' }] }));
    expect(objects.map((o) => `${o.identity.kind}/${o.identity.name}`)).toEqual([
      'Service/web',
      'ConfigMap/conf',
    ]);
    expect((objects[0]!.object['metadata'] as Json)['annotations']).toEqual({
      'apps.kubeedge.io/service-topology': 'range-nodegroup',
    });
    expect(objects[0]!.object['spec']).toEqual(service.spec);
    expect(objects[1]!.object['data']).toEqual({ a: 'b' });
  });

  it('reports what cannot be rendered, by manifest and target, and renders the rest', () => {
    const { objects, failures } = renderApp(
      app(
        [
          deployment(),
          { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' } },
          { ...service, metadata: { name: 'web', namespace: 'other' } },
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, data: { t: 'c2VjcmV0' } },
        ],
        {
          targetNodeGroups: [
            { name: 'g1' },
            {
              name: 'g2',
              overriders: { imageOverriders: [{ component: 'Tag', operator: 'replace', value: 'a/b' }] },
            },
          ],
          targetNodeLabels: [{ labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }],
        },
      ),
    );
    expect(objects.map((o) => o.identity.name)).toEqual(['web-g1']);
    expect(failures.map((f) => f.message)).toEqual([
      'spec.workloadScope.targetNodeLabels[0].labelSelector: only matchLabels is supported, not matchExpressions',
      expect.stringMatching(
        /^spec\.workloadTemplate\.manifests\[0\]: for nodegroup g2: .*neither a tag nor a digest/,
      ),
      'spec.workloadTemplate.manifests[1]: apps/v1 StatefulSet is not a kind kedge serves',
      'spec.workloadTemplate.manifests[2]: metadata.namespace "other" is not the EdgeApplication\'s namespace retail',
      expect.stringMatching(
        /^spec\.workloadTemplate\.manifests\[3\]: a Secret cannot be part of a workload template/,
      ),
    ]);
    expect(failures[1]!.identity?.name).toBe('web-g2');
  });
});
