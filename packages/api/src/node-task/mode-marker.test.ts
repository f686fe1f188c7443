import { describe, expect, it } from 'vitest';
import { NodeTaskModeMarker, type ModeLog, type ModeTable } from './mode-marker.ts';
import { ModeRefusals } from './mode-refusals.ts';

/** A ModeTable over one in-memory record (what configMapTable does over a ConfigMap). */
function memoryTable(initial?: Record<string, string>): ModeTable & { data?: Record<string, string> } {
  const table: ModeTable & { data?: Record<string, string> } = {
    ...(initial ? { data: initial } : {}),
    read: () => Promise.resolve(table.data),
    update: (edit) => {
      const next = edit(table.data ?? {});
      if (next !== undefined) table.data = next;
      return Promise.resolve();
    },
  };
  return table;
}

function recordingLog(): ModeLog & { lines: { level: string; fields: object; message: string }[] } {
  const lines: { level: string; fields: object; message: string }[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
}

describe('NodeTaskModeMarker', () => {
  it('records its key, names the processes of the other mode, and removes only its key', async () => {
    const table = memoryTable({ 'cloudcore.a': 'v1alpha1' });
    const marker = new NodeTaskModeMarker({
      table,
      process: 'controllermanager',
      key: 'controllermanager',
      mode: 'v1alpha2',
    });
    await marker.record();
    expect(table.data).toEqual({ 'cloudcore.a': 'v1alpha1', controllermanager: 'v1alpha2' });
    expect(await marker.disagreeing()).toEqual(['cloudcore.a=v1alpha1']);
    await marker.remove();
    expect(table.data).toEqual({ 'cloudcore.a': 'v1alpha1' });
  });

  it('recordAndCompare warns naming this process and the disagreeing ones; a failing table is only logged', async () => {
    const log = recordingLog();
    const table = memoryTable({ controllermanager: 'v1alpha2' });
    await new NodeTaskModeMarker({
      table,
      process: 'cloudcore',
      key: 'cloudcore.r1',
      mode: 'v1alpha1',
    }).recordAndCompare(log);
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'warn']);
    expect(log.lines[1]?.message).toContain('this cloudcore runs v1alpha1, but controllermanager=v1alpha2');

    const broken: ModeTable = {
      read: () => Promise.reject(new Error('down')),
      update: () => Promise.reject(new Error('down')),
    };
    const quiet = recordingLog();
    await new NodeTaskModeMarker({
      table: broken,
      process: 'cloudcore',
      key: 'k',
      mode: 'v1alpha2',
    }).recordAndCompare(quiet);
    expect(quiet.lines).toEqual([
      {
        level: 'warn',
        fields: { err: 'down' },
        message: 'could not record the node task mode in kubeedge/kedge-node-task-mode',
      },
    ]);
  });
});

describe('ModeRefusals', () => {
  it('says once per job uid why the job is left alone, with the process of the marker', async () => {
    const log = recordingLog();
    const marker = new NodeTaskModeMarker({
      table: memoryTable(),
      process: 'controllermanager',
      key: 'controllermanager',
      mode: 'v1alpha1',
    });
    const refusals = new ModeRefusals({ marker, log });
    const job = { kind: 'ConfigUpdateJob', metadata: { name: 'cfg', uid: 'u1' } };
    await refusals.refuse(job);
    await refusals.refuse(job);
    await refusals.refuse({ ...job, metadata: { ...job.metadata, uid: 'u2' } });
    expect(log.lines).toHaveLength(2);
    expect(log.lines[0]?.message).toContain('this controllermanager runs the v1alpha1 node tasks');
  });
});
