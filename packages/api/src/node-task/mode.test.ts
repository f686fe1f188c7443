import { describe, expect, it } from 'vitest';
import {
  CREATED_AS_ANNOTATION,
  createdAsFromManagedFields,
  disagreeingModes,
  modeRefusalMessage,
  nodeTaskModeOf,
  nodeTaskVersionOf,
  recordServedVersion,
  withCreatedAsFromManagedFields,
} from './mode.ts';

const job = (apiVersion: string, annotations?: Record<string, string>) => ({
  apiVersion,
  kind: 'NodeUpgradeJob',
  metadata: { name: 'j', ...(annotations ? { annotations } : {}) },
  spec: { version: 'v1.1.0', nodeNames: ['n'] },
});

describe('recordServedVersion', () => {
  it('keeps the version a job was written at when that is not the storage version', () => {
    const out = recordServedVersion('NodeUpgradeJob', job('operations.kubeedge.io/v1alpha1', { keep: 'me' }));
    expect(out.metadata).toEqual({
      name: 'j',
      annotations: { keep: 'me', [CREATED_AS_ANNOTATION]: 'operations.kubeedge.io/v1alpha1' },
    });
    expect(nodeTaskVersionOf(out)).toBe('v1alpha1');
  });

  it('leaves objects at the storage version, unknown versions and other kinds as they are', () => {
    const v2 = job('operations.kubeedge.io/v1alpha2');
    expect(recordServedVersion('NodeUpgradeJob', v2)).toBe(v2);
    const bogus = job('operations.kubeedge.io/v9');
    expect(recordServedVersion('NodeUpgradeJob', bogus)).toBe(bogus);
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } };
    expect(recordServedVersion('Node', node)).toBe(node);
    expect(nodeTaskVersionOf(v2)).toBe('v1alpha2');
  });

  it('never makes a ConfigUpdateJob a v1alpha1 job (v1alpha1 has none)', () => {
    const cfg = {
      kind: 'ConfigUpdateJob',
      metadata: { name: 'c', annotations: { [CREATED_AS_ANNOTATION]: 'operations.kubeedge.io/v1alpha1' } },
    };
    expect(nodeTaskVersionOf(cfg)).toBe('v1alpha2');
  });
});

describe('node task modes', () => {
  it('follows the feature gate', () => {
    expect(nodeTaskModeOf(true)).toBe('v1alpha1');
    expect(nodeTaskModeOf(false)).toBe('v1alpha2');
  });

  it('names the processes recorded with the other mode', () => {
    const data = {
      controllermanager: 'v1alpha2',
      'cloudcore.cc-1': 'v1alpha1',
      'cloudcore.cc-2': 'v1alpha2',
    };
    expect(disagreeingModes(data, 'v1alpha2', 'cloudcore.cc-2')).toEqual(['cloudcore.cc-1=v1alpha1']);
    expect(disagreeingModes(data, 'v1alpha1', 'cloudcore.cc-1')).toEqual([
      'cloudcore.cc-2=v1alpha2',
      'controllermanager=v1alpha2',
    ]);
    expect(disagreeingModes(undefined, 'v1alpha1', 'x')).toEqual([]);
  });

  it('says why a job is left alone, what would run it, and when the gates disagree', () => {
    const v1 = job('operations.kubeedge.io/v1alpha2', {
      [CREATED_AS_ANNOTATION]: 'operations.kubeedge.io/v1alpha1',
    });
    expect(modeRefusalMessage({ job: v1, mode: 'v1alpha2', process: 'cloudcore', others: [] })).toBe(
      'NodeUpgradeJob j is a v1alpha1 job; this cloudcore runs the v1alpha2 node tasks ' +
        '(featureGates.disableNodeTaskV1alpha2: false in cloudcore.yaml), so it leaves the job alone ' +
        '(featureGates.disableNodeTaskV1alpha2: true in cloudcore.yaml runs it)',
    );
    expect(
      modeRefusalMessage({
        job: job('operations.kubeedge.io/v1alpha2'),
        mode: 'v1alpha1',
        process: 'controllermanager',
        others: ['cloudcore.cc-1=v1alpha2'],
      }),
    ).toMatch(
      /^NodeUpgradeJob j is a v1alpha2 job; this controllermanager runs the v1alpha1 node tasks \(--feature-gates=disableNodeTaskV1alpha2=true on controllermanager\).*; the feature gates disagree: cloudcore\.cc-1=v1alpha2 /,
    );
    const cfg = { kind: 'ConfigUpdateJob', metadata: { name: 'c' } };
    expect(
      modeRefusalMessage({ job: cfg, mode: 'v1alpha1', process: 'controllermanager', others: [] }),
    ).toMatch(/^ConfigUpdateJob c is not handled: .*, and v1alpha1 has no ConfigUpdateJob$/);
  });
});

describe('createdAsFromManagedFields', () => {
  const v1 = 'operations.kubeedge.io/v1alpha1';
  const v2 = 'operations.kubeedge.io/v1alpha2';
  const entry = (manager: string, apiVersion: string, time: string, subresource?: string) => ({
    manager,
    operation: 'Update',
    apiVersion,
    time,
    ...(subresource ? { subresource } : {}),
  });

  it('takes the version of the earliest write through the main resource (kubectl create)', () => {
    const fields = [
      entry('kubectl-client-side-apply', v1, '2026-12-03T02:00:00Z'),
      entry('node', v2, '2026-12-03T02:00:05Z'),
      entry('node', v2, '2026-12-03T01:00:00Z', 'status'),
    ];
    expect(createdAsFromManagedFields('NodeUpgradeJob', fields)).toBe(v1);
  });

  it('prefers the non-storage version when the creator and a controller wrote in the same second', () => {
    const fields = [
      entry('a-controller', v2, '2026-12-03T02:00:00Z'),
      entry('kubectl', v1, '2026-12-03T02:00:00Z'),
    ];
    expect(createdAsFromManagedFields('NodeUpgradeJob', fields)).toBe(v1);
    expect(createdAsFromManagedFields('NodeUpgradeJob', [entry('kubectl', v2, '2026-12-03T02:00:00Z')])).toBe(
      v2,
    );
    expect(createdAsFromManagedFields('NodeUpgradeJob', undefined)).toBeUndefined();
  });

  it('becomes the created-as annotation that decides the job API, unless an annotation is there', () => {
    const fields = [entry('kubectl-create', v1, '2026-12-03T02:00:00Z')];
    const bare: { name: string; annotations?: Record<string, string> } = { name: 'j' };
    const metadata = withCreatedAsFromManagedFields('NodeUpgradeJob', bare, fields);
    expect(metadata.annotations?.[CREATED_AS_ANNOTATION]).toBe(v1);
    expect(nodeTaskVersionOf({ kind: 'NodeUpgradeJob', metadata })).toBe('v1alpha1');
    const kept = { name: 'j', annotations: { [CREATED_AS_ANNOTATION]: v2 } };
    expect(withCreatedAsFromManagedFields('NodeUpgradeJob', kept, fields)).toBe(kept);
    // ConfigUpdateJob was never served at v1alpha1: nothing to record.
    expect(withCreatedAsFromManagedFields('ConfigUpdateJob', bare, fields).annotations).toBeUndefined();
  });
});
