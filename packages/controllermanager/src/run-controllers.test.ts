import { describe, expect, it } from 'vitest';
import { defaultControllerManagerConfig } from './config/index.ts';
import { KUBERNETES_MAX_JOB_BYTES } from './nodetask/job-size.ts';
import { effectiveMaxJobBytes, workloadControllerEnabled } from './run-controllers.ts';

describe('nodeTask.maxJobBytes', () => {
  it('0 means no limit on SQLite and etcd-sized on Kubernetes; a set value wins on both', () => {
    const config = defaultControllerManagerConfig();
    expect(effectiveMaxJobBytes(config)).toBe(0);
    config.store.backend = 'kubernetes';
    expect(effectiveMaxJobBytes(config)).toBe(KUBERNETES_MAX_JOB_BYTES);
    config.nodeTask.maxJobBytes = 8_000_000;
    expect(effectiveMaxJobBytes(config)).toBe(8_000_000);
    config.store.backend = 'sqlite';
    expect(effectiveMaxJobBytes(config)).toBe(8_000_000);
  });
});

describe('workload.enable', () => {
  it('auto runs the workload controller in embedded mode (sqlite) only; true/false force it', () => {
    const config = defaultControllerManagerConfig();
    expect(config.workload.enable).toBe('auto');
    expect(workloadControllerEnabled(config)).toBe(true);
    config.store.backend = 'kubernetes';
    expect(workloadControllerEnabled(config)).toBe(false);
    config.workload.enable = true;
    expect(workloadControllerEnabled(config)).toBe(true);
    config.store.backend = 'sqlite';
    config.workload.enable = false;
    expect(workloadControllerEnabled(config)).toBe(false);
  });
});
