import { describe, expect, it } from 'vitest';
import type { KubeOperation } from './kube-errors.ts';
import { translateError } from './kube-errors.ts';

const jobStatus: KubeOperation = {
  verb: 'update',
  kind: 'NodeUpgradeJob',
  ref: { kind: 'NodeUpgradeJob', namespace: '', name: 'up-1' },
  subresource: 'status',
};

describe('translateError', () => {
  it('403 names the object, verb, resource, group and scope, and keeps what the server said', () => {
    const err = translateError(jobStatus, 403, {
      kind: 'Status',
      reason: 'Forbidden',
      message: 'nodeupgradejobs.operations.kubeedge.io "up-1" is forbidden: User "cc" cannot update ...',
      code: 403,
    });
    expect(err.code).toBe('KEDGE_STORE_FORBIDDEN');
    expect(err.message).toBe(
      'NodeUpgradeJob "up-1": forbidden: cannot update resource "nodeupgradejobs/status" in API group ' +
        '"operations.kubeedge.io" at the cluster scope; the API server said: ' +
        'nodeupgradejobs.operations.kubeedge.io "up-1" is forbidden: User "cc" cannot update ...',
    );
    expect(err.context).toMatchObject({
      resource: 'NodeUpgradeJob/up-1',
      verb: 'update',
      apiResource: 'nodeupgradejobs/status',
    });
  });

  it('403 on a namespaced collection names the namespace', () => {
    const err = translateError({ verb: 'list', kind: 'Event', namespace: 'kube-public' }, 403, {});
    expect(err.message).toContain(
      'cannot list resource "events" in API group "" in the namespace "kube-public"',
    );
  });

  it('422 lists each field the API server rejected', () => {
    const err = translateError({ ...jobStatus, verb: 'create', subresource: undefined }, 422, {
      kind: 'Status',
      reason: 'Invalid',
      message: 'NodeUpgradeJob.operations.kubeedge.io "up-1" is invalid: ...',
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.failureTolerate',
            message: 'Invalid value: "1.5": must match',
          },
          {
            reason: 'FieldValueInvalid',
            field: 'spec',
            message: 'set exactly one of nodeNames or labelSelector',
          },
        ],
      },
    });
    expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
    expect(err.context.fields).toEqual([
      'spec.failureTolerate: Invalid value: "1.5": must match',
      'spec: set exactly one of nodeNames or labelSelector',
    ]);
    expect(err.message).toContain('NodeUpgradeJob "up-1"');
  });

  it('404 about the object is NOT_FOUND; about an unserved kind it says so', () => {
    const gone = translateError({ ...jobStatus, verb: 'get' }, 404, {
      reason: 'NotFound',
      details: { name: 'up-1', group: 'operations.kubeedge.io', kind: 'nodeupgradejobs' },
    });
    expect(gone.code).toBe('KEDGE_STORE_NOT_FOUND');
    expect(gone.message).toBe('NodeUpgradeJob "up-1" not found');

    const unserved = translateError({ ...jobStatus, verb: 'get' }, 404, {
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
    expect(unserved.code).toBe('KEDGE_STORE_UNAVAILABLE');
    expect(unserved.message).toContain('does not serve nodeupgradejobs.operations.kubeedge.io/v1alpha2');
  });

  it('409 is ALREADY_EXISTS or CONFLICT by reason; 410 is EXPIRED; 5xx is UNAVAILABLE', () => {
    expect(translateError(jobStatus, 409, { reason: 'AlreadyExists' }).code).toBe(
      'KEDGE_STORE_ALREADY_EXISTS',
    );
    expect(translateError(jobStatus, 409, { reason: 'Conflict' }).code).toBe('KEDGE_STORE_CONFLICT');
    expect(translateError({ verb: 'watch', kind: 'Node' }, 410, { reason: 'Expired' }).code).toBe(
      'KEDGE_STORE_EXPIRED',
    );
    const down = translateError(jobStatus, 503, 'not a status');
    expect(down.code).toBe('KEDGE_STORE_UNAVAILABLE');
    expect(down.message).toContain('503');
  });
});
