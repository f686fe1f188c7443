import { describe, expect, it } from 'vitest';
import { KedgeError } from './errors.ts';
import { validateResource } from './validate.ts';

function codeOf(obj: unknown): { code: string; message: string } {
  try {
    validateResource(obj, 'app.yaml');
  } catch (err: unknown) {
    if (err instanceof KedgeError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const meta = { metadata: { name: 'x' }, spec: {} };

describe('unsupported workload kinds', () => {
  it.each([
    ['apps/v1', 'StatefulSet'],
    ['apps/v1', 'DaemonSet'],
    ['batch/v1', 'Job'],
    ['batch/v1', 'CronJob'],
    ['v1', 'ReplicationController'],
  ])('%s %s is refused with KEDGE_WORKLOAD_KIND_UNSUPPORTED naming what to use', (apiVersion, kind) => {
    const { code, message } = codeOf({ apiVersion, kind, ...meta });
    expect(code).toBe('KEDGE_WORKLOAD_KIND_UNSUPPORTED');
    expect(message).toContain(`${kind} (${apiVersion}) in app.yaml is not supported`);
    expect(message).toContain('docs/workloads.md');
  });

  it('leaves other unknown kinds (and same names in other groups) to KEDGE_RESOURCE_UNKNOWN_KIND', () => {
    expect(codeOf({ apiVersion: 'example.com/v1', kind: 'StatefulSet', ...meta }).code).toBe(
      'KEDGE_RESOURCE_UNKNOWN_KIND',
    );
    expect(codeOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', ...meta }).code).toBe(
      'KEDGE_RESOURCE_UNKNOWN_KIND',
    );
  });
});
