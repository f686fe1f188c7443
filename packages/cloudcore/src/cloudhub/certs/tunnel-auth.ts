// Node identity from the verified client certificate: the TLS layer checked
// that it chains to the cloud CA; here its CN must be system:node:<name> for
// the node the connection speaks for, it must be meant for client auth, and
// it must be dated after any revocation of that node. Used by the tunnel
// (every connection) and by the bootstrap server (rotation).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { revocationProblem, type NodeRevocations } from './node-revocations.ts';
import { NODE_ORGANIZATION, nodeCommonName } from './x509.ts';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

export type NodeCertCheck =
  { ok: true } | { ok: false; code: 'KEDGE_AUTH_REJECTED' | 'KEDGE_AUTH_NODE_REVOKED'; message: string };

export function verifiedNodeCert(
  socket: TLSSocket,
  nodeName: string,
  revocations: NodeRevocations,
): NodeCertCheck {
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (!peer || Object.keys(peer).length === 0) {
    return { ok: false, code: 'KEDGE_AUTH_REJECTED', message: 'no client certificate' };
  }
  if (!socket.authorized) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: `client certificate not trusted: ${String(socket.authorizationError ?? 'unknown')}`,
    };
  }
  const cn = firstOf(peer.subject?.CN);
  if (cn !== nodeCommonName(nodeName) || firstOf(peer.subject?.O) !== NODE_ORGANIZATION) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: `client certificate is for ${JSON.stringify(cn ?? '')}, not ${nodeCommonName(nodeName)}`,
    };
  }
  if (peer.ext_key_usage && !peer.ext_key_usage.includes(CLIENT_AUTH_OID)) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: 'client certificate is not for client authentication',
    };
  }
  const problem = revocationProblem(revocations, nodeName, Date.parse(peer.valid_from), 'certificate');
  if (problem) return { ok: false, code: 'KEDGE_AUTH_NODE_REVOKED', message: problem };
  return { ok: true };
}

/** CloudHub's check for one upgrade request: undefined = the node is who it says. */
export function certificateAuthenticator(revocations: NodeRevocations) {
  return (req: IncomingMessage, nodeName: string): NodeCertCheck =>
    verifiedNodeCert(req.socket as TLSSocket, nodeName, revocations);
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
