import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatYaml } from './printers.ts';

describe('formatYaml', () => {
  const job = {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'up', creationTimestamp: '2026-12-03T02:11:33Z' },
    status: { phase: 'Completed', nodeStatus: [{ nodeName: 'n', startTime: '2026-12-03T02:11:34Z' }] },
    data: { enabled: 'yes', mode: 'on', perm: '0777', date: '2026-12-03', n: 'plain' },
  };

  it('quotes RFC 3339 times as kubectl does', () => {
    const out = formatYaml(job);
    expect(out).toContain('creationTimestamp: "2026-12-03T02:11:33Z"');
    expect(out).toContain('startTime: "2026-12-03T02:11:34Z"');
  });

  it('reads back as the same strings with a YAML 1.1 reader (timestamps, booleans, octals)', () => {
    const asYaml11 = parse(formatYaml(job), { version: '1.1', customTags: ['timestamp'] }) as unknown;
    expect(asYaml11).toEqual(job);
  });
});
