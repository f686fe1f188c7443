import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startProcess, tempDir, waitFor } from '@kedge/testing';

const SUPERVISOR = 'packages/installer/src/supervisor/main.ts';

function restartDelays(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('child exited; restarting'))
    .map((l) => (JSON.parse(l) as { restartInMs: number }).restartInMs);
}

describe('supervisor', () => {
  it('restarts a child that keeps exiting, doubling the delay up to the cap', async () => {
    const sup = startProcess({
      name: 'supervisor',
      args: [SUPERVISOR, '--restart-delay-ms', '20', '--max-delay-ms', '80', '--', '-e', 'process.exit(3)'],
    });
    await waitFor(() => restartDelays(sup.stdout()).length >= 5, { what: 'five restarts' });
    expect(restartDelays(sup.stdout()).slice(0, 5)).toEqual([20, 40, 80, 80, 80]);
    expect(sup.stdout()).toContain('"code":3');
    await sup.kill();
    expect((await sup.exited).code).toBe(0);
  });

  it('starts over at the first delay after a child that ran long enough', async () => {
    await using tmp = await tempDir('kedge-supervisor-');
    const sup = startProcess({
      name: 'supervisor',
      args: [
        SUPERVISOR,
        '--restart-delay-ms',
        '20',
        '--reset-after-ms',
        '300',
        '--',
        '-e',
        // Quick exits first, then runs of 400 ms (longer than --reset-after-ms).
        "const fs=require('fs');const f=process.argv[1];let n=0;try{n=+fs.readFileSync(f,'utf8')}catch{};fs.writeFileSync(f,String(n+1));setTimeout(()=>process.exit(1),n<3?0:400)",
        join(tmp.path, 'runs'),
      ],
    });
    await waitFor(() => restartDelays(sup.stdout()).length >= 5, { what: 'five restarts' });
    expect(restartDelays(sup.stdout()).slice(0, 5)).toEqual([20, 40, 80, 20, 20]);
    await sup.kill();
  });

  it('forwards SIGTERM to the child and exits with its code', async () => {
    const sup = startProcess({
      name: 'supervisor',
      args: [
        SUPERVISOR,
        '--',
        '-e',
        "process.on('SIGTERM',()=>{console.log('child got SIGTERM');process.exit(0)});console.log('child up');setInterval(()=>{},1e9)",
      ],
    });
    await sup.waitForLine(/^child up$/);
    await sup.kill('SIGTERM');
    expect(await sup.exited).toEqual({ code: 0, signal: null });
    expect(sup.stdout()).toContain('child got SIGTERM');
    expect(sup.stdout()).toContain('forwarding stop to the child');
  });

  it('refuses a command line without node arguments', async () => {
    const sup = startProcess({ name: 'supervisor', args: [SUPERVISOR, '--restart-delay-ms', 'soon'] });
    expect((await sup.exited).code).toBe(2);
    expect(sup.stderr()).toMatch(/no node arguments after --/);
  });
});
