// Per-node credentials: a node's token is an HMAC of its name under the
// cloud's secret, so the cloud can verify any node without a token table and
// a token for one node is useless for another.
import { createHmac, timingSafeEqual } from 'node:crypto';

const CONTEXT = 'kedge-node:';

export function nodeToken(secret: string | Buffer, nodeName: string): string {
  return createHmac('sha256', secret)
    .update(CONTEXT + nodeName)
    .digest('hex');
}

export function verifyNodeToken(secret: string | Buffer, nodeName: string, token: string): boolean {
  const expected = Buffer.from(nodeToken(secret, nodeName), 'utf8');
  const given = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
