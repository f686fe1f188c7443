// Installs an edge node the way an operator does: `keadm edge install` into
// the node's own install root, from a release directory or image.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KedgeError } from '@kedge/api';
import { repoRoot } from '@kedge/testing';

const run = promisify(execFile);

export async function keadm(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(
      process.execPath,
      [join(repoRoot(), 'packages/keadm/src/bin/keadm.ts'), ...args],
      {
        cwd: repoRoot(),
        env: { ...process.env, ...env },
      },
    );
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KedgeError(
      'KEDGE_INSTALL_FAILED',
      `keadm ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`,
      { command: `keadm ${args[0] ?? ''} ${args[1] ?? ''}`.trim() },
      { cause: err },
    );
  }
}

export async function installEdge(root: string, release: string, configFile: string): Promise<void> {
  await keadm(['edge', 'install', '--release', release, '--root', root, '--config', configFile]);
}
