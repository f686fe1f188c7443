// Failpoints: named places where a test can make the process die at once
// (SIGKILL, like a power cut), to prove crash consistency at that exact
// point. Armed only by KEDGE_FAILPOINTS="name[,name...]"; each fires once per
// KEDGE_FAILPOINT_DIR (a marker file records that it fired), so the process
// restarted after the crash runs through.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function failpoint(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const armed = env.KEDGE_FAILPOINTS;
  if (!armed || !armed.split(',').includes(name)) return;
  const dir = env.KEDGE_FAILPOINT_DIR;
  if (dir) {
    const marker = join(dir, `${name}.fired`);
    if (existsSync(marker)) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(marker, `${process.pid}\n`);
  }
  process.stderr.write(`failpoint ${name}: killing process ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}
