import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.ts';
import { validateAs, validateResource } from '../validate.ts';

function prePull(template: Record<string, unknown>, apiVersion = 'operations.kubeedge.io/v1alpha2'): unknown {
  return {
    apiVersion,
    kind: 'ImagePrePullJob',
    metadata: { name: 'pull-nginx' },
    spec: { imagePrePullTemplate: template },
  };
}

function problems(obj: unknown): string[] {
  try {
    validateAs('ImagePrePullJob', obj);
    return [];
  } catch (err: unknown) {
    if (hasCode(err, 'KEDGE_RESOURCE_INVALID')) return err.context.fields ?? [];
    throw err;
  }
}

describe('ImagePrePullJob validation', () => {
  it('accepts a full template', () => {
    const template = {
      images: ['docker.io/library/nginx:1.27', 'busybox:1.36'],
      labelSelector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['east'] }] },
      checkItems: ['disk'],
      failureTolerate: '0.2',
      concurrency: 5,
      timeoutSeconds: 600,
      imageSecrets: 'default/regcred',
      retryTimes: 2,
    };
    expect(validateAs('ImagePrePullJob', prePull(template)).spec.imagePrePullTemplate).toEqual(template);
  });

  it('requires at least one image', () => {
    expect(problems(prePull({ images: [], nodeNames: ['edge-1'] }))).toEqual([
      'spec.imagePrePullTemplate.images: must list at least one image',
    ]);
  });

  it('checks the selector rule inside the template', () => {
    const [line] = problems(prePull({ images: ['nginx'], nodeNames: ['a'], labelSelector: {} }));
    expect(line).toMatch(/^spec\.imagePrePullTemplate: nodeNames and labelSelector are both set/);
  });

  it('refuses a bad image reference, naming the field', () => {
    const images = [
      'busybox:1.36',
      'Nginx:latest',
      'nginx:1.27 ',
      'nginx@sha256:abc',
      'host:5000/a/b:c@sha256:' + 'a'.repeat(64),
    ];
    expect(problems(prePull({ images, nodeNames: ['a'] }))).toEqual(
      [1, 2, 3].map(
        (i) =>
          `spec.imagePrePullTemplate.images[${i}]: must be an image reference [host[:port]/]path[:tag][@sha256:<64 hex>] (lower-case path), e.g. busybox:1.36`,
      ),
    );
  });

  it('wants imageSecrets as namespace/name', () => {
    expect(problems(prePull({ images: ['nginx'], nodeNames: ['a'], imageSecrets: 'regcred' }))).toEqual([
      'spec.imagePrePullTemplate.imageSecrets: must be "<namespace>/<name>" of a Secret',
    ]);
  });

  it('keeps per-image status and maps the KubeEdge Pull action to PrePull', () => {
    const status = {
      phase: 'Failure',
      reason: 'the number of failed nodes is 1/1, which exceeds the failure tolerance threshold',
      nodeStatus: [
        {
          nodeName: 'edge-1',
          phase: 'Failure',
          actionFlow: [
            { action: 'Check', status: 'True', time: '2025-05-28T08:12:01Z' },
            { action: 'Pull', status: 'False', reason: 'some images failed', time: '2025-05-28T08:12:09Z' },
          ],
          imageStatus: [
            { image: 'nginx', status: 'True' },
            { image: 'private/app:1', status: 'False', reason: 'unauthorized' },
          ],
        },
      ],
    };
    const parsed = validateAs('ImagePrePullJob', {
      ...(prePull({ images: ['nginx'], nodeNames: ['edge-1'] }) as object),
      status,
    });
    const node = parsed.status?.nodeStatus?.[0];
    expect(node?.actionFlow?.[1]?.action).toBe('PrePull');
    expect(node?.imageStatus?.[1]).toEqual({
      image: 'private/app:1',
      status: 'False',
      reason: 'unauthorized',
    });
  });

  it('accepts a v1alpha1 object with its deprecated per-node status list', () => {
    const obj = {
      ...(prePull({ images: ['nginx'], nodeNames: ['edge-1'] }, 'operations.kubeedge.io/v1alpha1') as object),
      status: {
        phase: 'InProgress',
        state: 'pulling',
        status: [
          {
            nodeStatus: { nodeName: 'edge-1', state: 'pulling' },
            imageStatus: [{ image: 'nginx', state: 'successful' }],
          },
        ],
      },
    };
    expect(validateResource(obj).kind).toBe('ImagePrePullJob');
  });
});
