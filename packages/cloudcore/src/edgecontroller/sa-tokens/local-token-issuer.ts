// Embedded mode (SQLite store, no kube-apiserver): cloudcore mints the token
// itself, a JWT (HS256) shaped like a Kubernetes bound ServiceAccount token
// (iss, sub system:serviceaccount:<ns>:<sa>, aud, iat/nbf/exp and the
// `kubernetes.io` claim naming namespace, pod and node), signed with a key
// derived from cloudcore's token secret. Only cloudcore can verify it; it
// proves to a workload-side verifier holding that key which pod it is.
import { createHmac } from 'node:crypto';
import type { IssuedToken, TokenFor, TokenIssuer } from './token-object.ts';

const LOCAL_TOKEN_ISSUER = 'https://kedge.cloudcore.local';
const LOCAL_TOKEN_AUDIENCE = 'kedge';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class LocalTokenIssuer implements TokenIssuer {
  readonly mode = 'cloudcore-jwt';
  readonly #key: Buffer;

  constructor(tokenSecret: string | Buffer) {
    // a key of its own: a leaked pod token says nothing about node tokens made from the same secret
    this.#key = createHmac('sha256', tokenSecret)
      .update('kedge serviceaccount token signing key v1')
      .digest();
  }

  async issue(r: TokenFor, nowMs: number): Promise<IssuedToken> {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + r.expirationSeconds;
    const header = b64({ alg: 'HS256', typ: 'JWT' });
    const claims = b64({
      iss: LOCAL_TOKEN_ISSUER,
      sub: `system:serviceaccount:${r.namespace}:${r.serviceAccount}`,
      aud: [LOCAL_TOKEN_AUDIENCE],
      iat,
      nbf: iat,
      exp,
      'kubernetes.io': {
        namespace: r.namespace,
        pod: { name: r.pod.name, uid: r.pod.uid },
        serviceaccount: { name: r.serviceAccount },
        node: { name: r.node },
      },
    });
    const signature = createHmac('sha256', this.#key).update(`${header}.${claims}`).digest('base64url');
    return { token: `${header}.${claims}.${signature}`, issuedAtMs: iat * 1000, expiresAtMs: exp * 1000 };
  }

  /** The claims of a token this issuer signed, or undefined (bad signature, expired at `nowMs`). */
  verify(token: string, nowMs: number): Record<string, unknown> | undefined {
    const [header, claims, signature] = token.split('.');
    if (!header || !claims || !signature) return undefined;
    const expected = createHmac('sha256', this.#key).update(`${header}.${claims}`).digest('base64url');
    if (expected !== signature) return undefined;
    const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    return typeof parsed.exp === 'number' && parsed.exp * 1000 > nowMs ? parsed : undefined;
  }
}
