import { newMessage, nodeTaskResource, v1alpha1ReportResource } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { nodeToken, verifyNodeToken } from '@kedge/tokens';
import { checkSpeaksForItself, isRegisterMessage } from './upstream-rules.ts';

const msg = (operation: string, resource: string, content: unknown = null, group = 'resource') =>
  newMessage({ source: 'websocket', group, operation, resource, content });

const v1Answer = (node: string) => ({
  NodeName: node,
  State: 'Upgrading',
  Event: 'Upgrade',
  Action: 'Success',
  Reason: '',
  Time: '2026-12-03T00:00:00Z',
});

describe('a node may only speak for itself, on every route of every mode', () => {
  it('accepts a v1alpha2 task report for its own node and refuses one for another node', () => {
    expect(
      checkSpeaksForItself(
        'edge-1',
        msg('UpdateNodeActionStatus', nodeTaskResource('nodeupgradejob', 'j', 'edge-1')),
      ),
    ).toBeUndefined();
    for (const op of ['UpdateNodeActionStatus', 'UpdateNodeActionProgress'])
      expect(
        checkSpeaksForItself('edge-1', msg(op, nodeTaskResource('nodeupgradejob', 'j', 'edge-2'))),
      ).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION' });
  });

  it('refuses a v1alpha1 answer for another node, by route or by content', () => {
    const own = v1alpha1ReportResource('j', 'edge-1');
    const other = v1alpha1ReportResource('j', 'edge-2');
    expect(checkSpeaksForItself('edge-1', msg('upgrade', own, v1Answer('edge-1')))).toBeUndefined();
    expect(checkSpeaksForItself('edge-1', msg('upgrade', other, v1Answer('edge-2')))).toMatchObject({
      code: 'KEDGE_WIRE_IMPERSONATION',
    });
    expect(checkSpeaksForItself('edge-1', msg('prepull', other, v1Answer('edge-1')))).toMatchObject({
      code: 'KEDGE_WIRE_IMPERSONATION',
    });
    expect(checkSpeaksForItself('edge-1', msg('upgrade', own, v1Answer('edge-2')))).toMatchObject({
      code: 'KEDGE_WIRE_IMPERSONATION',
    });
  });

  it('refuses node writes and node events about another node', () => {
    expect(checkSpeaksForItself('edge-1', msg('insert', 'null/node/edge-2'))?.message).toMatch(
      /edge-1 may not report for node edge-2 \(node registration/,
    );
    const event = { involvedObject: { kind: 'Node', name: 'edge-2' } };
    expect(checkSpeaksForItself('edge-1', msg('insert', 'default/event/x', event))).toMatchObject({
      code: 'KEDGE_WIRE_IMPERSONATION',
    });
    expect(
      checkSpeaksForItself(
        'edge-1',
        msg('insert', 'default/event/x', { involvedObject: { kind: 'Node', name: 'edge-1' } }),
      ),
    ).toBeUndefined();
  });

  it('lets acks through and refuses every route of unknown shape', () => {
    expect(checkSpeaksForItself('edge-1', msg('response', 'default/secret/s'))).toBeUndefined();
    expect(checkSpeaksForItself('edge-1', msg('keepalive', 'node'))).toBeUndefined();
    for (const m of [
      msg('UpdateNodeActionStatus', 'operations.kubeedge.io/v1alpha2/nodeupgradejob/j/node'),
      msg('upgrade', 'task/j/nodes/edge-2'),
      msg('upgrade', 'upgrade/j/node/edge-2/extra'),
      msg('update', 'null/nodestatus/edge-1'),
      msg('insert', 'null/lease/edge-1'),
      msg('insert', 'default/secret/s'),
      msg('insert', 'null/node/edge-1', null, 'user'),
      msg('delete', 'null/node/edge-1'),
    ])
      expect(checkSpeaksForItself('edge-1', m), m.route.resource).toMatchObject({
        code: 'KEDGE_WIRE_ROUTE_UNKNOWN',
      });
    // A route of no known shape that names another node's objects is still called impersonation.
    for (const resource of ['null/nodestatus/edge-2', 'null/lease/edge-2', 'null/node/edge-2'])
      expect(checkSpeaksForItself('edge-1', msg('update', resource))).toMatchObject({
        code: 'KEDGE_WIRE_IMPERSONATION',
      });
  });

  it('lets pod status and object queries through to their routes (which check the pod binding), nothing else of their shape', () => {
    expect(checkSpeaksForItself('edge-1', msg('update', 'default/podstatus/web-1'))).toBeUndefined();
    for (const type of ['pod', 'configmap', 'secret'])
      expect(checkSpeaksForItself('edge-1', msg('query', `default/${type}/x`))).toBeUndefined();
    for (const m of [
      msg('update', 'default/podstatus/web-1', null, 'user'),
      msg('update', 'default/podstatus'),
      msg('query', 'default/secret'),
      msg('query', 'kube-system/serviceaccount/x'),
    ])
      expect(checkSpeaksForItself('edge-1', m), m.route.resource).toMatchObject({
        code: 'KEDGE_WIRE_ROUTE_UNKNOWN',
      });
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
