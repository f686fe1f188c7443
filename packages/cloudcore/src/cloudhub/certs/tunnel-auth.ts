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
  // The native-backed X509Certificate, not getPeerCertificate(): no eager copies of the DER, the
  // key and three fingerprints per connection (garbage that showed in the TLS benchmark's RSS).
  const peer =
    typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  if (!peer) {
    return { ok: false, code: 'KEDGE_AUTH_REJECTED', message: 'no client certificate' };
  }
  if (!socket.authorized) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: `client certificate not trusted: ${String(socket.authorizationError ?? 'unknown')}`,
    };
  }
  const subject = subjectFields(peer.subject);
  const cn = subject.get('CN');
  if (cn !== nodeCommonName(nodeName) || subject.get('O') !== NODE_ORGANIZATION) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: `client certificate is for ${JSON.stringify(cn ?? '')}, not ${nodeCommonName(nodeName)}`,
    };
  }
  if (peer.keyUsage && !peer.keyUsage.includes(CLIENT_AUTH_OID)) {
    return {
      ok: false,
      code: 'KEDGE_AUTH_REJECTED',
      message: 'client certificate is not for client authentication',
    };
  }
  const problem = revocationProblem(revocations, nodeName, Date.parse(peer.validFrom), 'certificate');
  if (problem) return { ok: false, code: 'KEDGE_AUTH_NODE_REVOKED', message: problem };
  return { ok: true };
}

/** CloudHub's check for one upgrade request: undefined = the node is who it says. */
export function certificateAuthenticator(revocations: NodeRevocations) {
  return (req: IncomingMessage, nodeName: string): NodeCertCheck =>
    verifiedNodeCert(req.socket as TLSSocket, nodeName, revocations);
}

/** `CN=a\nO=b` -> {CN: a, O: b} (the first value of each attribute). */
function subjectFields(subject: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of subject.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !fields.has(line.slice(0, at))) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}
