import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TUNNEL_HEADING, resultRow, writeSection } from './report.ts';
import type { ScenarioResult } from './run-scenario.ts';

describe('benchmark report', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const file = (): string => {
    dir = mkdtempSync(join(tmpdir(), 'edgemark-report-'));
    return join(dir, 'benchmarks.md');
  };

  it('creates the file with a title when it does not exist', () => {
    const f = file();
    writeSection(f, TUNNEL_HEADING, `${TUNNEL_HEADING}\n\nfirst run\n`);
    expect(readFileSync(f, 'utf8')).toMatch(
      /^# Benchmarks\n[\s\S]*## Tunnel: N hollow edge nodes\n\nfirst run\n$/,
    );
  });

  it('replaces only its own section and keeps the ones other benchmarks wrote', () => {
    const f = file();
    writeFileSync(
      f,
      `# Benchmarks\n\n## Store: writes\n\nstore numbers\n\n${TUNNEL_HEADING}\n\nold run\n\n## Tasks: rollout\n\ntask numbers\n`,
    );
    writeSection(f, TUNNEL_HEADING, `${TUNNEL_HEADING}\n\nnew run\n`);
    expect(readFileSync(f, 'utf8')).toBe(
      `# Benchmarks\n\n## Store: writes\n\nstore numbers\n\n${TUNNEL_HEADING}\n\nnew run\n\n## Tasks: rollout\n\ntask numbers\n`,
    );
  });

  it('appends its section after the others on the first run', () => {
    const f = file();
    writeFileSync(f, '# Benchmarks\n\n## Store: writes\n\nstore numbers\n');
    writeSection(f, TUNNEL_HEADING, `${TUNNEL_HEADING}\n\nfirst run\n`);
    expect(readFileSync(f, 'utf8')).toBe(
      `# Benchmarks\n\n## Store: writes\n\nstore numbers\n\n${TUNNEL_HEADING}\n\nfirst run\n`,
    );
  });

  it('derives RSS per node, CPU share and CPU per keepalive from the raw numbers', () => {
    const r: ScenarioResult = {
      system: 'kedge',
      nodes: 1000,
      allUpMs: 2400,
      allReadyMs: 2500,
      rssBeforeKb: 100 * 1024,
      rssAfterKb: 150 * 1024,
      rssPeakKb: 150 * 1024,
      windowMs: 30_000,
      cpuMs: 600,
      keepalives: 2000,
      nodeWrites: 1500,
      reconnects: 0,
      fleetRssKb: 140 * 1024,
    };
    expect(resultRow(r)).toBe(
      '1000 | kedge | 2.4 s | 2.5 s | 100.0 MiB | 150.0 MiB | 51.2 KiB | 600 ms / 30.0 s | 2.00 % | 2000 | 300 µs | 1500 | 0',
    );
  });
});
