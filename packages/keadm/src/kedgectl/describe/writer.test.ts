import { describe, expect, it } from 'vitest';
import { DescribeWriter, formatTime } from './writer.ts';

describe('describe writer', () => {
  it('lines up the values of one level across nested sections, as kubectl does', () => {
    const w = new DescribeWriter()
      .field(0, 'Name', 'web')
      .field(0, 'IPs')
      .field(1, 'IP', '10.88.0.4')
      .field(0, 'Controlled By', 'ReplicaSet/web-x')
      .field(1, 'State', 'Waiting')
      .field(2, 'Reason', 'CrashLoopBackOff')
      .field(1, 'Last State', 'Terminated');
    expect(w.toString()).toBe(
      [
        'Name:           web',
        'IPs:',
        '  IP:  10.88.0.4',
        'Controlled By:  ReplicaSet/web-x',
        '  State:       Waiting',
        '    Reason:  CrashLoopBackOff',
        '  Last State:  Terminated',
        '',
      ].join('\n'),
    );
  });

  it('prints times as kubectl: RFC 1123 with a numeric zone, <none> when absent', () => {
    expect(formatTime('2025-06-01T11:00:05Z')).toBe('Sun, 01 Jun 2025 11:00:05 +0000');
    expect(formatTime(undefined)).toBe('<none>');
  });
});
