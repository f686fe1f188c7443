// Join tokens: KubeEdge's layout, HS256 only, expiry enforced.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJoinToken, splitJoinToken, verifyJoinJwt } from './join-token.ts';

const SECRET = 'join-token-unit-secret-0123456789';
const HASH = 'ab'.repeat(32);
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('join tokens', () => {
  it('is <ca-hash>.<header>.<payload>.<signature> and carries iat, exp and the node', async () => {
    const token = await createJoinToken({
      secret: SECRET,
      caHash: HASH,
      node: 'n1',
      ttlSeconds: 60,
      nowMs: 1_000_000,
    });
    const parts = splitJoinToken(token);
    expect(parts?.caHash).toBe(HASH);
    const claims = await verifyJoinJwt(SECRET, parts?.jwt ?? '', 1_030_000);
    expect(claims).toEqual({ node: 'n1', issuedAtMs: 1_000_000, expiresAtMs: 1_060_000 });
    expect(splitJoinToken('not.a.token')).toBeUndefined();
    expect(splitJoinToken(`${'AB'.repeat(32)}.a.b.c`)).toBeUndefined(); // hex is lower case, as KubeEdge's
  });

  it('refuses an expired token, a wrong secret, alg none, and a JWT without exp', async () => {
    const token = await createJoinToken({ secret: SECRET, caHash: HASH, ttlSeconds: 60, nowMs: 1_000_000 });
    const jwt = splitJoinToken(token)?.jwt ?? '';
    await expect(verifyJoinJwt(SECRET, jwt, 1_061_000)).rejects.toMatchObject({
      code: 'KEDGE_AUTH_TOKEN_EXPIRED',
    });
    await expect(verifyJoinJwt('another-secret-0123456789abcdef', jwt, 1_000_000)).rejects.toMatchObject({
      code: 'KEDGE_AUTH_TOKEN_INVALID',
    });
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ exp: 9_999_999_999 })}.`;
    await expect(verifyJoinJwt(SECRET, unsigned)).rejects.toMatchObject({ code: 'KEDGE_AUTH_TOKEN_INVALID' });
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifyJoinJwt(SECRET, noExp)).rejects.toMatchObject({ code: 'KEDGE_AUTH_TOKEN_INVALID' });
  });
});
