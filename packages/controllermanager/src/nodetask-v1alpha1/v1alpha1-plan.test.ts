import { rfc3339, type V1alpha1Entry, type V1alpha1JobState } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import type { Selection } from '../nodetask/select-nodes.ts';
import { planV1alpha1, type V1alpha1PlanInput } from './v1alpha1-plan.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (s: number): string => rfc3339(new Date(T0 + s * 1000));

function input(o: Partial<V1alpha1PlanInput>): V1alpha1PlanInput {
  return {
    type: 'upgrade',
    state: undefined,
    entries: [],
    select: (): Selection => ({ ok: true, entries: [] }),
    timeoutSeconds: 300,
    failureTolerate: '0.1',
    now: T0,
    ...o,
  };
}

const stage = (state: string, s = 0): V1alpha1JobState => ({
  phase: 'InProgress',
  state,
  event: 'Init',
  action: 'Success',
  time: at(s),
});

describe('planV1alpha1', () => {
  it('initialises a job: targets that can run start Checking at once, the others fail with the reason', () => {
    const plan = planV1alpha1(
      input({
        select: () => ({
          ok: true,
          entries: [
            { nodeName: 'a', phase: 'Pending' },
            { nodeName: 'b', phase: 'Failure', reason: 'node b does not exist' },
          ],
        }),
        failureTolerate: '0.5',
      }),
    );
    expect(plan.initialised).toBe(true);
    expect(plan.state).toEqual({
      phase: 'InProgress',
      state: 'Checking',
      event: 'Init',
      action: 'Success',
      time: at(0),
    });
    expect(plan.entries).toEqual([
      { nodeName: 'a', state: 'Checking', event: 'Init', action: 'Success', time: at(0) },
      {
        nodeName: 'b',
        state: 'Failed',
        event: 'Init',
        action: 'Failure',
        reason: 'node b does not exist',
        time: at(0),
      },
    ]);
  });

  it('fails a job whose nodes cannot be selected, saying why', () => {
    const plan = planV1alpha1(
      input({
        select: () => ({ ok: false, reason: 'neither spec.nodeNames nor spec.labelSelector is set' }),
      }),
    );
    expect(plan.state).toMatchObject({
      phase: 'Failure',
      state: 'Failed',
      reason: 'neither spec.nodeNames nor spec.labelSelector is set',
    });
    expect(plan.entries).toEqual([]);
  });

  it('moves the job to the next stage only when no node is left in the current one', () => {
    const entries: V1alpha1Entry[] = [
      { nodeName: 'a', state: 'BackingUp', event: 'Check', action: 'Success', time: at(1) },
      { nodeName: 'b', state: 'Checking', startTime: at(1), dispatchedBy: 'cc' },
    ];
    const waiting = planV1alpha1(input({ state: stage('Checking'), entries, now: T0 + 2000 }));
    expect(waiting.changed).toBe(false);
    expect(waiting.state.state).toBe('Checking');
    expect(waiting.nextDeadline).toBe(T0 + 301_000);

    const done = planV1alpha1(
      input({
        state: stage('Checking'),
        entries: [
          entries[0]!,
          { nodeName: 'b', state: 'BackingUp', event: 'Check', action: 'Success', time: at(3) },
        ],
        now: T0 + 3000,
      }),
    );
    expect(done.changed).toBe(true);
    expect(done.state).toEqual({
      phase: 'InProgress',
      state: 'BackingUp',
      event: 'Check',
      action: 'Success',
      time: at(3),
    });
  });

  it('ends Successful after the last stage, and skips stages no node is due for', () => {
    const plan = planV1alpha1(
      input({
        state: stage('BackingUp'),
        entries: [
          { nodeName: 'a', state: 'Successful', event: 'Upgrade', action: 'Success', time: at(5) },
          { nodeName: 'b', state: 'Successful', event: 'Upgrade', action: 'Success', time: at(6) },
        ],
        now: T0 + 7000,
      }),
    );
    expect(plan.state).toEqual({
      phase: 'Completed',
      state: 'Successful',
      event: 'Upgrade',
      action: 'Success',
      time: at(7),
    });
  });

  it('fails a node that does not answer a stage within timeoutSeconds', () => {
    const plan = planV1alpha1(
      input({
        state: stage('Upgrading'),
        entries: [
          { nodeName: 'a', state: 'Upgrading', startTime: at(0), dispatchedBy: 'cc' },
          { nodeName: 'b', state: 'Successful', event: 'Upgrade', action: 'Success', time: at(1) },
        ],
        timeoutSeconds: 60,
        failureTolerate: '0.5',
        now: T0 + 60_000,
      }),
    );
    expect(plan.timedOut).toEqual(['a']);
    expect(plan.entries[0]).toEqual({
      nodeName: 'a',
      state: 'Failed',
      event: 'TimeOut',
      action: 'Failure',
      reason: `timed out after 60s in Upgrading (sent at ${at(0)})`,
      time: at(60),
    });
    // 1 of 2 failed is within 0.5: the job ends Successful.
    expect(plan.state.state).toBe('Successful');
  });

  it('stops at a failure over failureTolerate: waits for running nodes, then fails and marks the rest', () => {
    const failed: V1alpha1Entry = {
      nodeName: 'a',
      state: 'Failed',
      event: 'Check',
      action: 'Failure',
      reason: 'x',
      time: at(1),
    };
    const running = planV1alpha1(
      input({
        state: stage('Checking'),
        entries: [
          failed,
          { nodeName: 'b', state: 'Checking', startTime: at(1) },
          { nodeName: 'c', state: 'Checking' },
        ],
        failureTolerate: '0',
        now: T0 + 2000,
      }),
    );
    expect(running.state).toMatchObject({
      state: 'Checking',
      reason: '1 of 3 nodes failed, more than failureTolerate 0 allows; waiting for 1 running node(s)',
    });
    const ended = planV1alpha1(
      input({
        state: running.state,
        entries: [
          failed,
          { nodeName: 'b', state: 'BackingUp', event: 'Check', action: 'Success', time: at(3) },
          { nodeName: 'c', state: 'Checking' },
        ],
        failureTolerate: '0',
        now: T0 + 4000,
      }),
    );
    expect(ended.state).toEqual({
      phase: 'Failure',
      state: 'Failed',
      event: 'Check',
      action: 'Failure',
      reason: '1 of 3 nodes failed, more than failureTolerate 0 allows',
      time: at(4),
    });
    const stopped = 'not started: rollout stopped after 1 of 3 nodes failed (failureTolerate 0)';
    expect(ended.entries.map((e) => e.reason)).toEqual(['x', stopped, stopped]);
  });

  it('leaves a finished job alone', () => {
    const done: V1alpha1JobState = { phase: 'Completed', state: 'Successful', time: at(0) };
    expect(planV1alpha1(input({ state: done, entries: [], now: T0 + 9000 })).changed).toBe(false);
  });
});
