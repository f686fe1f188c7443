import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkHandshakeHeaders, nodeNameProblem } from './handshake-headers.ts';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('handshake headers', () => {
  it('accepts node names as Kubernetes names them', () => {
    for (const name of ['edge-1', 'a', 'node.site-3.example', 'x'.repeat(253)])
      expect(nodeNameProblem(name), name).toBeUndefined();
  });

  it.each([
    ['missing', undefined, /missing node_id/],
    ['empty', '', /missing node_id/],
    ['254 characters', 'x'.repeat(254), /254 characters; a node name has at most 253/],
    ['upper case', 'Edge-1', /not a node name/],
    ['multi-byte', 'édge-ü', /not a node name/],
    ['a slash (route injection)', 'edge-1/../edge-2', /not a node name/],
    ['leading dash', '-edge', /not a node name/],
  ])('refuses a node_id that is %s, without quoting it', (_what, name, message) => {
    const problem = nodeNameProblem(name);
    expect(problem).toMatch(message);
    if (name) expect(problem).not.toContain(name);
  });

  it('refuses oversized informational headers with a coded problem', () => {
    expect(checkHandshakeHeaders(request({ node_id: 'edge-1', project_id: 'p'.repeat(129) }))).toEqual({
      ok: false,
      code: 'KEDGE_HTTP_BAD_REQUEST',
      message: 'project_id header is 129 characters; at most 128',
    });
    expect(checkHandshakeHeaders(request({ node_id: 'x'.repeat(300) }))).toMatchObject({
      ok: false,
      code: 'KEDGE_AUTH_NODE_NAME_INVALID',
    });
    expect(
      checkHandshakeHeaders(
        request({ node_id: 'edge-1', project_id: 'p', 'x-kedge-edgecore-version': 'v1' }),
      ),
    ).toEqual({ ok: true, identity: { nodeName: 'edge-1', projectId: 'p', edgecoreVersion: 'v1' } });
  });
});
