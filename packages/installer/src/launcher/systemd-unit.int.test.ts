// configs/systemd/edgecore.service: the unit systemd runs the launcher with.
// Checked with `systemd-analyze verify` where systemd is installed.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '@kedge/testing';

const UNIT = join(repoRoot(), 'configs', 'systemd', 'edgecore.service');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

function directives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('edgecore.service', () => {
  it('runs the launcher with Restart=always and lets it stop edgecore itself', () => {
    const d = directives(readFileSync(UNIT, 'utf8'));
    expect(d.get('ExecStart')).toBe(
      '/usr/bin/node /usr/local/lib/kedge/launcher/launcher.mjs --root /usr/local/lib/kedge --config /etc/kedge/edgecore.yaml',
    );
    expect(d.get('Restart')).toBe('always');
    expect(d.get('RestartSec')).toBe('2');
    expect(d.get('KillMode')).toBe('mixed');
    expect(d.get('StartLimitIntervalSec')).toBe('0');
    expect(d.get('SyslogIdentifier')).toBe('edgecore');
  });

  it('passes systemd-analyze verify', async () => {
    // scripts/test installs it (systemd-container brings systemd): a missing tool fails, never skips
    if (!existsSync(SYSTEMD_ANALYZE))
      throw new Error(`${SYSTEMD_ANALYZE} not installed (Debian package systemd)`);
    await using tmp = await tempDir('kedge-unit-');
    let text = readFileSync(UNIT, 'utf8');
    // verify checks that ExecStart's binary exists; where /usr/bin/node does not, check the unit with this node.
    if (!existsSync('/usr/bin/node')) {
      console.warn(`/usr/bin/node missing: verifying the unit with ExecStart=${process.execPath}`);
      text = text.replace('/usr/bin/node', process.execPath);
    }
    const file = join(tmp.path, 'edgecore.service');
    writeFileSync(file, text);
    const { stdout, stderr } = await promisify(execFile)(SYSTEMD_ANALYZE, ['verify', file]).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`systemd-analyze verify failed: ${err.stderr ?? err.message}`);
      },
    );
    const complaints = `${stdout}${stderr}`.split('\n').filter((l) => l.includes('edgecore.service'));
    expect(complaints).toEqual([]);
  });
});
