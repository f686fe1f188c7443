import { newMessage, nodeTaskResource } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { nodeToken, verifyNodeToken } from './node-token.ts';
import { checkSpeaksForItself, isRegisterMessage } from './upstream-rules.ts';

const msg = (operation: string, resource: string, content: unknown = null) =>
  newMessage({ source: 'websocket', group: 'resource', operation, resource, content });

describe('a node may only speak for itself', () => {
  it('accepts a task report for its own node and refuses one for another node', () => {
    expect(
      checkSpeaksForItself(
        'edge-1',
        msg('UpdateNodeActionStatus', nodeTaskResource('nodeupgradejob', 'j', 'edge-1')),
      ),
    ).toBeUndefined();
    expect(
      checkSpeaksForItself(
        'edge-1',
        msg('UpdateNodeActionStatus', nodeTaskResource('nodeupgradejob', 'j', 'edge-2')),
      ),
    ).toMatch(/edge-1 may not report for node edge-2/);
  });

  it('refuses node writes and node events about another node', () => {
    expect(checkSpeaksForItself('edge-1', msg('insert', 'null/node/edge-2'))).toMatch(
      /may not write node of node edge-2/,
    );
    const event = { involvedObject: { kind: 'Node', name: 'edge-2' } };
    expect(checkSpeaksForItself('edge-1', msg('insert', 'default/event/x', event))).toMatch(
      /events about node edge-2/,
    );
    expect(
      checkSpeaksForItself(
        'edge-1',
        msg('insert', 'default/event/x', { involvedObject: { kind: 'Node', name: 'edge-1' } }),
      ),
    ).toBeUndefined();
  });

  it('recognises the register message only for the own node', () => {
    expect(isRegisterMessage('edge-1', msg('insert', 'null/node/edge-1'))).toBe(true);
    expect(isRegisterMessage('edge-1', msg('update', 'null/node/edge-1'))).toBe(false);
    expect(isRegisterMessage('edge-1', msg('insert', 'null/node/edge-2'))).toBe(false);
  });
});

describe('node tokens', () => {
  it('verify only for the node they were made for and the same secret', () => {
    const token = nodeToken('s3cret', 'edge-1');
    expect(verifyNodeToken('s3cret', 'edge-1', token)).toBe(true);
    expect(verifyNodeToken('s3cret', 'edge-2', token)).toBe(false);
    expect(verifyNodeToken('other', 'edge-1', token)).toBe(false);
    expect(verifyNodeToken('s3cret', 'edge-1', token.slice(1))).toBe(false);
  });
});
