// The edge end of KubeEdge's certificate bootstrap (cloudHub.https, 10002):
// GET /ca.crt without trusting anything yet, then check it against the hash
// in the join token; GET /edge.crt with the CSR as body, trusting only that
// CA, authorised by the token's JWT (first join) or by the current client
// certificate (rotation). Bodies are DER; refusals carry JSON {code, message}.
import { request } from 'node:https';
import { KedgeError, errorMessage, isKedgeError } from '@kedge/api';
import { caHash } from '@kedge/tokens';
import { x509 } from './x509.ts';

const MAX_BODY = 64 * 1024;
const TIMEOUT_MS = 15_000;

interface Reply {
  status: number;
  body: Buffer;
}

function get(
  url: URL,
  options: {
    ca?: string;
    insecure?: boolean;
    headers?: Record<string, string>;
    body?: Buffer;
    clientCert?: { cert: string; key: string };
  },
): Promise<Reply> {
  const unreachable = (problem: string, cause?: unknown): KedgeError =>
    new KedgeError(
      'KEDGE_HUB_CONNECT_FAILED',
      `${url.href}: ${problem}`,
      { server: url.host },
      cause === undefined ? undefined : { cause },
    );
  return new Promise<Reply>((resolve, reject) => {
    const fail = (err: unknown): void =>
      reject(isKedgeError(err) ? err : unreachable(errorMessage(err), err));
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          ...options.headers,
          ...(options.body ? { 'content-length': String(options.body.length) } : {}),
        },
        ...(options.insecure ? { rejectUnauthorized: false } : { ca: options.ca ?? '' }),
        ...(options.clientCert ?? {}),
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(unreachable(`answer over ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(unreachable(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', fail);
    req.end(options.body);
  });
}

function refusal(what: string, reply: Reply): KedgeError {
  let code = 'KEDGE_AUTH_REJECTED';
  let message = reply.body.toString('utf8').slice(0, 500);
  try {
    const parsed = JSON.parse(message) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && parsed.code.startsWith('KEDGE_')) code = parsed.code;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    /* not JSON: keep the text */
  }
  return new KedgeError(
    code as 'KEDGE_AUTH_REJECTED',
    `${what}: the cloud answered HTTP ${reply.status}: ${message}`,
  );
}

/** The cloud CA (PEM), checked against the hash from the join token. */
export async function fetchCloudCa(httpServer: string, expectedHash: string): Promise<string> {
  const reply = await get(new URL('/ca.crt', httpServer), { insecure: true });
  if (reply.status !== 200) throw refusal('GET /ca.crt', reply);
  const hash = caHash(reply.body);
  if (hash !== expectedHash) {
    throw new KedgeError(
      'KEDGE_AUTH_CA_MISMATCH',
      `the CA served by ${httpServer} hashes to ${hash}, the join token expects ${expectedHash}; not trusting it`,
    );
  }
  return new x509.X509Certificate(new Uint8Array(reply.body)).toString('pem');
}

/** A signed certificate (PEM) for this CSR. */
export async function requestEdgeCert(
  httpServer: string,
  options: {
    caPem: string;
    nodeName: string;
    csrDer: Buffer;
    jwt?: string;
    clientCert?: { cert: string; key: string };
  },
): Promise<string> {
  const reply = await get(new URL('/edge.crt', httpServer), {
    ca: options.caPem,
    headers: {
      NodeName: options.nodeName,
      'content-type': 'application/octet-stream',
      ...(options.jwt ? { authorization: `Bearer ${options.jwt}` } : {}),
    },
    body: options.csrDer,
    ...(options.clientCert ? { clientCert: options.clientCert } : {}),
  });
  if (reply.status !== 200) throw refusal('GET /edge.crt', reply);
  return new x509.X509Certificate(new Uint8Array(reply.body)).toString('pem');
}
