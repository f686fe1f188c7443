// A Docker token service for tests of the Bearer flow against the real
// registry: it checks Basic credentials and issues RS256 JWTs that grant the
// requested repository scopes, signed with a throwaway key whose self-signed
// certificate (made with openssl) the registry is told to trust.
import { execFile } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TOKEN_ISSUER = 'kedge-test-token-issuer';
export const TOKEN_SERVICE = 'kedge-test-registry';

export interface TokenService {
  /** The realm the registry sends clients to. */
  realm: string;
  /** PEM certificate the registry trusts (auth.token.rootcertbundle). */
  certFile: string;
  /** Scopes asked for, in order, for tests that check what the client requested. */
  requests: { scopes: string[]; authenticated: boolean }[];
  close(): Promise<void>;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function credentialsMatch(req: IncomingMessage, username: string, password: string): boolean | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return header === expected;
}

/** Grants every action asked for on `repository:<name>:<actions>` scopes. */
function access(scopes: string[]): { type: string; name: string; actions: string[] }[] {
  return scopes.flatMap((scope) => {
    const match = /^(repository):(.+):([a-z,*]+)$/.exec(scope);
    return match
      ? [{ type: match[1] ?? '', name: match[2] ?? '', actions: (match[3] ?? '').split(',') }]
      : [];
  });
}

export async function startTokenService(
  dir: string,
  username: string,
  password: string,
): Promise<TokenService> {
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${TOKEN_ISSUER}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const key = await readFile(keyFile, 'utf8');
  const certDer = (await readFile(certFile, 'utf8')).replace(/-----[A-Z ]+-----|\s/g, '');
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
  const requests: TokenService['requests'] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const scopes = url.searchParams.getAll('scope');
    const matched = credentialsMatch(req, username, password);
    requests.push({ scopes, authenticated: matched === true });
    if (url.pathname !== '/token' || matched === false) {
      res.writeHead(url.pathname === '/token' ? 401 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'invalid credentials' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: TOKEN_ISSUER,
      sub: matched ? username : '',
      aud: url.searchParams.get('service') ?? TOKEN_SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      // Anonymous callers get a token, as from public registries, but it grants nothing.
      access: matched ? access(scopes) : [],
    };
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${base64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('token service: no TCP address');
  return {
    realm: `http://127.0.0.1:${address.port}/token`,
    certFile,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
