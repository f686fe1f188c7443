import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.ts';
import { validateAs, validateResource } from '../validate.ts';
import type { NodeUpgradeJob } from './node-upgrade-job.ts';

function job(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'upgrade-v121' },
    spec,
    ...extra,
  };
}

/** The `path: problem` lines validation reports, or [] when the object is valid. */
function problems(obj: unknown): string[] {
  try {
    validateAs('NodeUpgradeJob', obj);
    return [];
  } catch (err: unknown) {
    if (hasCode(err, 'KEDGE_RESOURCE_INVALID')) return err.context.fields ?? [];
    throw err;
  }
}

describe('NodeUpgradeJob validation', () => {
  it('accepts a job that selects nodes by name', () => {
    const parsed = validateAs('NodeUpgradeJob', job({ version: 'v1.21.0', nodeNames: ['edge-1', 'edge-2'] }));
    expect(parsed.spec.nodeNames).toEqual(['edge-1', 'edge-2']);
  });

  it('leaves defaults out: controllermanager writes them', () => {
    const parsed = validateAs('NodeUpgradeJob', job({ version: 'v1.21.0', nodeNames: ['edge-1'] }));
    expect(parsed.spec).toEqual({ version: 'v1.21.0', nodeNames: ['edge-1'] });
  });

  it('rejects both selectors with an error naming nodeNames and labelSelector', () => {
    const lines = problems(
      job({ version: 'v1.21.0', nodeNames: ['edge-1'], labelSelector: { matchLabels: { region: 'east' } } }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^spec: /);
    expect(lines[0]).toContain('nodeNames');
    expect(lines[0]).toContain('labelSelector');
  });

  it('rejects a job with no selector, counting an empty nodeNames as none', () => {
    const [line] = problems(job({ version: 'v1.21.0', nodeNames: [] }));
    expect(line).toBe('spec: neither nodeNames nor labelSelector is set; set exactly one of them');
  });

  it('names an unknown spec field', () => {
    expect(problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], foo: 1 }))).toEqual([
      'spec.foo: unknown field',
    ]);
  });

  it('names an unknown top-level field (a typo of spec)', () => {
    expect(problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'] }, { spce: {} }))).toEqual([
      'spce: unknown field',
    ]);
  });

  it.each(['abc', '1.5', '-0.1', '', '0,1'])(
    'rejects failureTolerate %j naming spec.failureTolerate',
    (value) => {
      const lines = problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], failureTolerate: value }));
      expect(lines).toEqual([
        expect.stringMatching(/^spec\.failureTolerate: must be a decimal between 0 and 1/),
      ]);
    },
  );

  it('tells a YAML user to quote a numeric failureTolerate', () => {
    const lines = problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], failureTolerate: 0.1 }));
    expect(lines).toEqual([expect.stringMatching(/^spec\.failureTolerate: .*quote it in YAML/)]);
  });

  it.each(['0', '0.1', '0.35', '1', '1.0', '.5'])('accepts failureTolerate %j', (value) => {
    expect(problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], failureTolerate: value }))).toEqual([]);
  });

  it.each(['1.21.0', 'v1.21', 'v1.21.0 ', 'latest', 'v1.21.0-'])('rejects version %j', (version) => {
    const lines = problems(job({ version, nodeNames: ['edge-1'] }));
    expect(lines).toEqual([expect.stringMatching(/^spec\.version: must look like v1\.21\.0/)]);
  });

  it.each(['v1.21.0', 'v1.22.0-beta.0', 'v1.21.0-rc_1'])('accepts version %j', (version) => {
    expect(problems(job({ version, nodeNames: ['edge-1'] }))).toEqual([]);
  });

  it('requires a version', () => {
    expect(problems(job({ nodeNames: ['edge-1'] }))).toEqual(['spec.version: is required']);
  });

  it('rejects concurrency and timeoutSeconds below 1 or fractional', () => {
    const lines = problems(
      job({ version: 'v1.21.0', nodeNames: ['edge-1'], concurrency: 0, timeoutSeconds: 1.5 }),
    );
    expect(lines).toEqual([
      'spec.concurrency: must be at least 1',
      'spec.timeoutSeconds: must be an integer',
    ]);
  });

  it('rejects an image with a tag, since the version is the tag', () => {
    const lines = problems(
      job({ version: 'v1.21.0', nodeNames: ['edge-1'], image: 'kubeedge/installation-package:v1' }),
    );
    expect(lines).toEqual([expect.stringMatching(/^spec\.image: must be an image repository without tag/)]);
    const ok = job({
      version: 'v1.21.0',
      nodeNames: ['edge-1'],
      image: 'registry.local:5000/kubeedge/installation-package',
    });
    expect(problems(ok)).toEqual([]);
  });

  it('accepts imageDigestGatter: null as KubeEdge Go clients write it', () => {
    expect(problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], imageDigestGatter: null }))).toEqual([]);
  });

  it('refuses a digest that is not sha256/sha512 hex, naming the field', () => {
    const good = 'sha256:' + 'a'.repeat(64);
    expect(
      problems(
        job({
          version: 'v1.21.0',
          nodeNames: ['n'],
          imageDigestGatter: { amd64: good, arm64: 'sha256:xyz' },
        }),
      ),
    ).toEqual([
      'spec.imageDigestGatter.arm64: must be a digest sha256:<64 lower-case hex> or sha512:<128 lower-case hex>',
    ]);
    expect(
      problems(job({ version: 'v1.21.0', nodeNames: ['n'], imageDigestGatter: { amd64: 'A'.repeat(64) } })),
    ).toHaveLength(1);
  });

  it('rejects unknown check items', () => {
    const lines = problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'], checkItems: ['cpu', 'gpu'] }));
    expect(lines).toEqual([expect.stringMatching(/^spec\.checkItems\[1\]: /)]);
  });

  it('validates the release example status and normalizes nothing that is already ours', () => {
    const status = {
      nodeStatus: [
        {
          actionFlow: [
            { action: 'Check', status: 'True', time: '2025-05-28T08:12:01Z' },
            { action: 'WaitingConfirmation', status: 'True', time: '2025-05-28T08:12:01Z' },
            { action: 'Backup', status: 'True', time: '2025-05-28T08:12:01Z' },
            { action: 'Upgrade', status: 'True', time: '2025-05-28T08:13:02Z' },
          ],
          currentVersion: 'v1.21.0',
          historicVersion: 'v1.20.0',
          nodeName: 'ubuntu',
          phase: 'Successful',
        },
      ],
      phase: 'Completed',
    };
    const parsed: NodeUpgradeJob = validateAs(
      'NodeUpgradeJob',
      job({ version: 'v1.21.0', nodeNames: ['ubuntu'] }, { status }),
    );
    expect(parsed.status).toEqual(status);
  });

  it("normalizes KubeEdge's action spellings in a status", () => {
    const status = {
      phase: 'InProgress',
      nodeStatus: [
        {
          nodeName: 'edge-1',
          phase: 'InProgress',
          actionFlow: [
            { action: 'BackUp', status: 'True', time: '2025-05-28T08:12:01Z' },
            { action: 'RollBack', status: 'False', reason: 'no backup', time: '2025-05-28T08:12:02Z' },
          ],
        },
      ],
    };
    const parsed = validateAs(
      'NodeUpgradeJob',
      job({ version: 'v1.21.0', nodeNames: ['edge-1'] }, { status }),
    );
    expect(parsed.status?.nodeStatus?.[0]?.actionFlow?.map((a) => a.action)).toEqual(['Backup', 'Rollback']);
  });

  it('rejects an action time that is not RFC 3339', () => {
    const status = {
      phase: 'InProgress',
      nodeStatus: [
        {
          nodeName: 'edge-1',
          phase: 'InProgress',
          actionFlow: [{ action: 'Check', status: 'True', time: '' }],
        },
      ],
    };
    const lines = problems(job({ version: 'v1.21.0', nodeNames: ['edge-1'] }, { status }));
    expect(lines).toEqual([
      expect.stringMatching(/^status\.nodeStatus\[0\]\.actionFlow\[0\]\.time: must be an RFC 3339/),
    ]);
  });

  it('accepts a v1alpha1 object as a NodeUpgradeJob, deprecated status fields included', () => {
    const v1alpha1 = {
      apiVersion: 'operations.kubeedge.io/v1alpha1',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'old-style' },
      spec: {
        version: 'v1.20.0',
        labelSelector: { matchLabels: { 'node-role.kubernetes.io/edge': '' } },
        concurrency: 2,
      },
      status: {
        phase: 'Init',
        state: 'Upgrading',
        event: 'Upgrade',
        action: 'Success',
        currentVersion: 'v1.19.0',
      },
    };
    const { kind, object } = validateResource(v1alpha1);
    expect(kind).toBe('NodeUpgradeJob');
    expect(object.apiVersion).toBe('operations.kubeedge.io/v1alpha1');
  });

  it('does not accept ConfigUpdateJob at v1alpha1, which KubeEdge never served', () => {
    const obj = {
      apiVersion: 'operations.kubeedge.io/v1alpha1',
      kind: 'ConfigUpdateJob',
      metadata: { name: 'x' },
      spec: { updateFields: { 'a.b': '1' }, nodeNames: ['n'] },
    };
    expect(() => validateResource(obj)).toThrow(
      expect.objectContaining({ code: 'KEDGE_RESOURCE_UNKNOWN_KIND' }),
    );
  });
});
