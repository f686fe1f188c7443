// The headers of a node's WebSocket upgrade, checked before any socket is
// set up: the node name must be a valid Node name (an RFC 1123 subdomain of at
// most 253 characters) and the other identity headers are bounded. A bad value
// is refused with HTTP 400 and a coded body that does not echo it.
import type { IncomingMessage } from 'node:http';
import { NAME_PATTERN } from '@kedge/api';
import type { Duplex } from 'node:stream';

const MAX_NODE_NAME_LENGTH = 253;
/** project_id, the edgecore version: informational, bounded so logs and Node annotations stay small. */
const MAX_INFO_HEADER_LENGTH = 128;

interface HandshakeIdentity {
  nodeName: string;
  projectId: string;
  edgecoreVersion: string;
}

export type HandshakeCheck =
  | { ok: true; identity: HandshakeIdentity }
  | { ok: false; code: 'KEDGE_AUTH_NODE_NAME_INVALID' | 'KEDGE_HTTP_BAD_REQUEST'; message: string };

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Why `name` is not a node name (never quoting it), or undefined when it is one. */
export function nodeNameProblem(name: string | undefined): string | undefined {
  if (!name) return 'missing node_id header';
  if (name.length > MAX_NODE_NAME_LENGTH)
    return `node_id header is ${name.length} characters; a node name has at most ${MAX_NODE_NAME_LENGTH}`;
  if (!NAME_PATTERN.test(name))
    return 'node_id header is not a node name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric)';
  return undefined;
}

export function checkHandshakeHeaders(req: IncomingMessage): HandshakeCheck {
  const nodeName = headerValue(req, 'node_id');
  const problem = nodeNameProblem(nodeName);
  if (problem || nodeName === undefined)
    return { ok: false, code: 'KEDGE_AUTH_NODE_NAME_INVALID', message: problem ?? 'missing node_id header' };
  const projectId = headerValue(req, 'project_id') ?? '';
  const edgecoreVersion = headerValue(req, 'x-kedge-edgecore-version') ?? '';
  for (const [name, value] of [
    ['project_id', projectId],
    ['x-kedge-edgecore-version', edgecoreVersion],
  ] as const) {
    if (value.length > MAX_INFO_HEADER_LENGTH)
      return {
        ok: false,
        code: 'KEDGE_HTTP_BAD_REQUEST',
        message: `${name} header is ${value.length} characters; at most ${MAX_INFO_HEADER_LENGTH}`,
      };
  }
  return { ok: true, identity: { nodeName, projectId, edgecoreVersion } };
}

/** Answers a refused upgrade with HTTP 400 and a coded JSON body, then ends the socket. */
export function refuseUpgrade(socket: Duplex, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
