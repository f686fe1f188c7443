import { fileURLToPath } from 'node:url';
import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { startProcess, waitFor } from './index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const forever = 'setInterval(() => {}, 1000);';

describe('startProcess', () => {
  it('captures stdout and stderr and reports the exit code', async () => {
    const p = startProcess({
      name: 'echo',
      args: ['-e', 'console.log("out 1"); console.error("err 1"); process.exitCode = 3;'],
    });
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(p.stdout()).toBe('out 1\n');
    expect(p.stderr()).toBe('err 1\n');
  });

  it('runs Node 24 from the repository root with the given env and stdin', async () => {
    const p = startProcess({
      name: 'env',
      args: [
        '-e',
        'process.stdin.on("data", (d) => console.log(process.version, process.cwd(), process.env.KEDGE_X, String(d)))',
      ],
      env: { KEDGE_X: 'from-test' },
      input: 'hello',
    });
    await p.exited;
    const [version, cwd, x, input] = p.stdout().trim().split(' ');
    expect(version).toMatch(/^v24\./);
    expect(cwd).toBe(fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, ''));
    expect(x).toBe('from-test');
    expect(input).toBe('hello');
  });

  it('waitForLine sees lines already printed and lines still to come, on either stream', async () => {
    const p = startProcess({
      name: 'lines',
      args: [
        '-e',
        `console.log("ready on port 1234"); setTimeout(() => console.error("later: done"), 200); ${forever}`,
      ],
    });
    try {
      await waitFor(() => p.stdout().includes('ready'), { what: 'first line' });
      expect(await p.waitForLine(/ready on port (\d+)/g)).toBe('ready on port 1234');
      expect(await p.waitForLine(/^later:/)).toBe('later: done');
    } finally {
      await p.kill();
    }
  });

  it('waitForLine fails fast when the process exits without printing the line, showing its last output', async () => {
    const p = startProcess({
      name: 'quitter',
      args: ['-e', 'console.error("config: bad port"); process.exit(2)'],
    });
    const err: unknown = await p.waitForLine(/listening/, 30_000).catch((e: unknown) => e);
    expect(hasCode(err, 'KEDGE_TEST_PROCESS_EXITED')).toBe(true);
    expect((err as Error).message).toContain('quitter: exited (code 2');
    expect((err as Error).message).toContain('config: bad port');
  });

  it('waitForLine times out naming the process and the pattern', async () => {
    const p = startProcess({ name: 'silent', args: ['-e', forever] });
    try {
      const err: unknown = await p.waitForLine(/never/, 100).catch((e: unknown) => e);
      expect(hasCode(err, 'KEDGE_TEST_TIMEOUT')).toBe(true);
      expect((err as Error).message).toContain('silent: no line matching /never/ within 100 ms');
    } finally {
      await p.kill();
    }
  });

  it('keeps only about the last 2 MB of a stream', async () => {
    const p = startProcess({
      name: 'chatty',
      args: [
        '-e',
        'for (let i = 0; i < 3000; i++) process.stdout.write("x".repeat(1023) + "\\n"); console.log("END")',
      ],
    });
    await p.exited;
    expect(p.stdout().length).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(p.stdout().length).toBeGreaterThan(1024 * 1024);
    expect(p.stdout().endsWith('END\n')).toBe(true);
    expect(await p.waitForLine(/^END$/)).toBe('END');
  });

  it('kill() stops a process with SIGTERM', async () => {
    const p = startProcess({ name: 'sleeper', args: ['-e', forever] });
    await p.kill();
    expect(await p.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isAlive(p.pid)).toBe(false);
  });

  it('kill() escalates to SIGKILL when SIGTERM is ignored for 5 s', { timeout: 15_000 }, async () => {
    const p = startProcess({
      name: 'stubborn',
      args: [
        '-e',
        `process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log("armed"); ${forever}`,
      ],
    });
    await p.waitForLine(/armed/);
    const started = Date.now();
    await p.kill();
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(p.stdout()).toContain('ignoring SIGTERM');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('killHard() sends SIGKILL', async () => {
    const p = startProcess({ name: 'victim', args: ['-e', forever] });
    await p.killHard();
    expect((await p.exited).signal).toBe('SIGKILL');
    await p.kill(); // already exited: returns at once
  });

  it('kills every child it started when the test process exits', async () => {
    const index = new URL('./index.ts', import.meta.url).href;
    const parent = startProcess({
      name: 'parent',
      args: [
        '--input-type=module',
        '-e',
        `import { startProcess } from ${JSON.stringify(index)};
         const child = startProcess({ name: 'orphan', args: ['-e', ${JSON.stringify(forever)}] });
         console.log('child', child.pid);
         setTimeout(() => process.exit(0), 300);`,
      ],
    });
    const line = await parent.waitForLine(/^child \d+$/);
    const childPid = Number(line.split(' ')[1]);
    expect((await parent.exited).code).toBe(0);
    await waitFor(() => !isAlive(childPid), { timeoutMs: 5_000, what: `child ${childPid} to be gone` });
  });
});
