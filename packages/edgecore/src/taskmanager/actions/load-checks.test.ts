import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '@kedge/runtime';
import { tempDir } from '@kedge/testing';
import { checkLoad } from './load-checks.ts';
import { diskUsagePercent, memoryUsagePercent } from './system-usage.ts';
import { expectedDigest } from './upgrade-check.ts';

describe('load checks', () => {
  it('passes every item under a 100% limit and names each item over its limit with the value', async () => {
    const o = {
      limits: { cpu: 100, mem: 100, disk: 100 },
      diskPath: '/',
      clock: systemClock,
      cpuSampleMs: 20,
    };
    expect(await checkLoad(['cpu', 'mem', 'disk'], o)).toEqual([]);
    const over = await checkLoad(['disk', 'disk'], { ...o, limits: { ...o.limits, disk: 0 } });
    expect(over).toHaveLength(1);
    expect(over[0]).toMatch(/^disk \(filesystem of \/\) is \d+\.\d% used, over the 0% limit$/);
  });

  it('reads memory use from meminfo (MemAvailable)', async () => {
    await using dir = await tempDir('kedge-meminfo-');
    const file = join(dir.path, 'meminfo');
    writeFileSync(file, 'MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n');
    expect(await memoryUsagePercent(file)).toBe(75);
    writeFileSync(file, 'nothing useful\n');
    await expect(memoryUsagePercent(file)).rejects.toThrow(`${file} has no MemTotal / MemAvailable`);
  });

  it('measures the disk of a path and names a missing one', async () => {
    const used = await diskUsagePercent('/');
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThanOrEqual(100);
    await expect(diskUsagePercent('/does/not/exist')).rejects.toThrow(
      'cannot stat the filesystem of /does/not/exist',
    );
  });
});

describe('expectedDigest', () => {
  const d = `sha256:${'a'.repeat(64)}`;
  it('verifies only when the job gives digests, and refuses a node whose CPU has none', () => {
    expect(expectedDigest(undefined, 'amd64')).toEqual({ kind: 'none' });
    expect(expectedDigest({ amd64: '', arm64: '' }, 'amd64')).toEqual({ kind: 'none' });
    expect(expectedDigest({ amd64: d }, 'amd64')).toEqual({ kind: 'digest', digest: d });
    expect(expectedDigest({ amd64: d }, 'arm64')).toEqual({ kind: 'missing' });
    expect(expectedDigest({ arm64: d }, 'riscv64')).toEqual({ kind: 'missing' });
  });

  it("takes v1alpha1's value as the digest of every CPU without its own", () => {
    const v = `sha256:${'b'.repeat(64)}`;
    expect(expectedDigest({ value: v }, 'riscv64')).toEqual({ kind: 'digest', digest: v });
    expect(expectedDigest({ value: v, amd64: d }, 'amd64')).toEqual({ kind: 'digest', digest: d });
    expect(expectedDigest({ value: v, amd64: d }, 'arm64')).toEqual({ kind: 'digest', digest: v });
  });
});
