// The bootstrap endpoint edge nodes get their certificates from, on its own
// HTTPS port (KubeEdge: cloudHub.https, 10002), with KubeEdge's wire format:
//   GET /ca.crt   -> the CA certificate, DER (the edge checks its SHA-256
//                    against the first part of its join token)
//   GET /edge.crt -> header NodeName, body the node's CSR (DER); authorised
//                    by `Authorization: Bearer <jwt>` (first join) or by the
//                    node's current client certificate (rotation); answers
//                    the signed certificate, DER.
// Refusals answer JSON {code, message}; revoked nodes are refused.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { KedgeError, NAME_PATTERN, errorCodeOf, errorMessage } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { CloudCa } from './cloud-ca.ts';
import { signEdgeCsr } from './edge-cert-signer.ts';
import { splitJoinToken, verifyJoinJwt } from '@kedge/tokens';
import { revocationProblem, type NodeRevocations } from './node-revocations.ts';
import { verifiedNodeCert } from './tunnel-auth.ts';

const CA_PATH = '/ca.crt';
const EDGE_CERT_PATH = '/edge.crt';
const MAX_CSR_BYTES = 16 * 1024;

export interface CertServerOptions {
  host: string;
  port: number;
  ca: CloudCa;
  serverCert: { cert: string; key: string };
  tokenSecret: string | Buffer;
  revocations: NodeRevocations;
  edgeCertValidityMs: number;
  log: Logger;
  clock: Clock;
}

const STATUS: Record<string, number> = {
  KEDGE_AUTH_TOKEN_EXPIRED: 401,
  KEDGE_AUTH_TOKEN_INVALID: 401,
  KEDGE_AUTH_REJECTED: 401,
  KEDGE_AUTH_NODE_REVOKED: 403,
  KEDGE_AUTH_CSR_INVALID: 400,
  KEDGE_AUTH_NODE_NAME_INVALID: 400,
  KEDGE_HTTP_BAD_REQUEST: 400,
};

export class CertServer {
  private readonly o: CertServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;

  constructor(options: CertServerOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'certserver' });
  }

  async start(): Promise<number> {
    const server = createServer({
      cert: this.o.serverCert.cert,
      key: this.o.serverCert.key,
      ca: this.o.ca.pem,
      requestCert: true,
      rejectUnauthorized: false, // a first join has no certificate yet; checked per request
      minVersion: 'TLSv1.2',
    });
    server.on('request', (req, res) => void this.onRequest(req, res));
    server.on('tlsClientError', (err) =>
      this.log.debug({ err: err.message }, 'bootstrap TLS handshake failed'),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.log.info({ host: this.o.host, port }, 'certificate bootstrap server listening');
    return port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    try {
      if (req.method !== 'GET' || (path !== CA_PATH && path !== EDGE_CERT_PATH)) {
        answerError(res, 404, 'KEDGE_HTTP_BAD_REQUEST', `no route ${req.method ?? ''} ${path ?? ''}`);
        return;
      }
      if (path === CA_PATH) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(this.o.ca.der);
        return;
      }
      const cert = await this.issue(req);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(cert);
    } catch (err: unknown) {
      const code = errorCodeOf(err);
      const node = headerOf(req, 'nodename');
      this.log.warn(
        { node: node?.slice(0, 253), code, err: errorMessage(err) },
        'certificate request refused',
      );
      req.resume(); // drop an unread CSR so the answer is not held behind it
      answerError(res, STATUS[code] ?? 500, code, errorMessage(err));
    }
  }

  private async issue(req: IncomingMessage): Promise<Buffer> {
    const nodeName = headerOf(req, 'nodename') ?? '';
    if (nodeName.length > 253 || !NAME_PATTERN.test(nodeName)) {
      throw new KedgeError('KEDGE_AUTH_NODE_NAME_INVALID', 'NodeName header: missing or not a node name');
    }
    await this.authorise(req, nodeName);
    const csr = await readBody(req, MAX_CSR_BYTES);
    const now = await this.afterRevocation(nodeName);
    const der = await signEdgeCsr(this.o.ca, csr, {
      nodeName,
      validityMs: this.o.edgeCertValidityMs,
      nowMs: now,
    });
    this.log.info({ node: nodeName }, 'signed an edge certificate');
    return der;
  }

  /** A valid client certificate of this node (rotation), else a valid join token. */
  private async authorise(req: IncomingMessage, nodeName: string): Promise<void> {
    const socket = req.socket as TLSSocket;
    if (socket.getPeerX509Certificate() !== undefined) {
      const checked = verifiedNodeCert(socket, nodeName, this.o.revocations);
      if (!checked.ok) throw new KedgeError(checked.code, checked.message, { node: nodeName });
      return;
    }
    const auth = headerOf(req, 'authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!bearer)
      throw new KedgeError(
        'KEDGE_AUTH_REJECTED',
        'no client certificate and no `Authorization: Bearer` token',
      );
    const jwt = splitJoinToken(bearer)?.jwt ?? bearer;
    const claims = await verifyJoinJwt(this.o.tokenSecret, jwt, this.o.clock.now());
    if (claims.node !== undefined && claims.node !== nodeName) {
      throw new KedgeError(
        'KEDGE_AUTH_REJECTED',
        `the join token is for node ${claims.node}, not ${nodeName}`,
        {
          node: nodeName,
        },
      );
    }
    // iat has one-second resolution: a token from the very second of the revocation counts as newer.
    const problem = revocationProblem(this.o.revocations, nodeName, claims.issuedAtMs + 999, 'join token');
    if (problem) throw new KedgeError('KEDGE_AUTH_NODE_REVOKED', problem, { node: nodeName });
  }

  /** Now, but later than the node's revocation, so its new certificate is dated after it. */
  private async afterRevocation(nodeName: string): Promise<number> {
    const at = this.o.revocations.revokedAt(nodeName);
    let now = this.o.clock.now();
    // A loop, not one sleep: a timer may wake a few ms before the wall clock reaches its end
    // (the event loop's time lags Date.now() under load), which would date the certificate in
    // the revocation's second. Bounded: each turn sleeps until that second is over.
    for (let turn = 0; at !== undefined && Math.floor(now / 1000) * 1000 <= at && turn < 100; turn++) {
      await this.o.clock.sleep(Math.max(1, Math.floor(at / 1000) * 1000 + 1000 - now));
      now = this.o.clock.now();
    }
    return now;
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function answerError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify({ code, message }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new KedgeError('KEDGE_AUTH_CSR_INVALID', `the certificate request is over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
