// Test helpers for keadm's commands (not exported): in-process runs of
// main() with captured output, tiny release directories and an edge config.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@kedge/runtime';
import { main } from '../src/keadm-main.ts';

export interface KeadmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function keadm(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<KeadmRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    clock: systemClock,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** A release directory like build-release.ts makes: VERSION, edgecore.mjs, launcher.mjs. */
export function makeRelease(parent: string, version: string, name = version): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  writeFileSync(join(dir, 'edgecore.mjs'), `console.log('edgecore ${version}');\n`);
  writeFileSync(join(dir, 'launcher.mjs'), `console.log('launcher from ${version}');\n`);
  return dir;
}

/** A valid edgecore.yaml for node edge-1 with its database in `dbPath`. */
export function writeEdgeConfig(file: string, dbPath: string, heartbeat = 15): void {
  writeFileSync(
    file,
    [
      '# edge-1',
      'database:',
      `  dataSource: ${dbPath}`,
      'modules:',
      '  edgeHub:',
      `    heartbeat: ${heartbeat}`,
      '    token: secret-token',
      "    websocket: { server: '127.0.0.1:10000' }",
      '  edged: { hostnameOverride: edge-1 }',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}
