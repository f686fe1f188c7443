// Join tokens in KubeEdge's layout: `<hex SHA-256 of the CA's DER>.<JWT>`.
// The edge checks the CA it downloads against the first part; the cloud
// checks the JWT (HS256, signed with the cloud's token secret, `exp`
// required) before it signs the node's first certificate. kedge adds two
// claims KubeEdge ignores: `iat` (a token older than a node's revocation is
// refused for that node) and, optionally, `node` (the token joins only that
// node).
import { KedgeError, errorMessage } from '@kedge/api';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;

export interface JoinTokenClaims {
  /** The node this token may join; undefined = any node (KubeEdge's fleet token). */
  node: string | undefined;
  issuedAtMs: number;
  expiresAtMs: number;
}

function keyOf(secret: string | Buffer): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret);
}

export async function createJoinToken(options: {
  secret: string | Buffer;
  caHash: string;
  ttlSeconds?: number;
  node?: string | undefined;
  nowMs?: number;
}): Promise<string> {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const jwt = await new SignJWT(options.node ? { node: options.node } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(keyOf(options.secret));
  return `${options.caHash}.${jwt}`;
}

/** Splits `<ca-hash>.<jwt>`; undefined when the token is not in that layout. */
export function splitJoinToken(token: string): { caHash: string; jwt: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || !/^[0-9a-f]{64}$/.test(parts[0] ?? '')) return undefined;
  return { caHash: parts[0] ?? '', jwt: parts.slice(1).join('.') };
}

/** Verifies the JWT part (HS256, unexpired, `exp` present); a coded error says why not. */
export async function verifyJoinJwt(
  secret: string | Buffer,
  jwt: string,
  nowMs = Date.now(),
): Promise<JoinTokenClaims> {
  try {
    const { payload } = await jwtVerify(jwt, keyOf(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      currentDate: new Date(nowMs),
    });
    const node = typeof payload.node === 'string' ? payload.node : undefined;
    return {
      node,
      issuedAtMs: (payload.iat ?? 0) * 1000,
      expiresAtMs: (payload.exp ?? 0) * 1000,
    };
  } catch (err: unknown) {
    if (err instanceof joseErrors.JWTExpired) {
      throw new KedgeError(
        'KEDGE_AUTH_TOKEN_EXPIRED',
        'the join token has expired; get a new one (keadm gettoken)',
      );
    }
    throw new KedgeError(
      'KEDGE_AUTH_TOKEN_INVALID',
      `the join token is not valid: ${errorMessage(err)}`,
      {},
      {
        cause: err,
      },
    );
  }
}
