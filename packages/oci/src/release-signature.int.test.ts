// Release signatures against a real registry: a signature of the digest
// verifies with the publisher's key; another key, another digest or no
// signature at all is refused with a coded error naming the digest.
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { pushRelease, pushReleaseSignature, signatureTag, verifyReleaseSignature } from './index.ts';
import { makeReleaseDir } from '../test/fixtures.ts';

let registry: TestRegistry;
let tmp: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-oci-sig-');
});
afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

const refusal = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error('verified');
    },
    (err: unknown) => err as Error,
  );

describe('release signatures', () => {
  it('verifies an ed25519 or ECDSA signature of the digest and refuses any other', async () => {
    const image = `${registry.url}/kedge/signed`;
    const pushed = await pushRelease(`${image}:v1.0.0`, await makeReleaseDir(tmp.path, 'v1.0.0'));
    expect(signatureTag(pushed.digest)).toMatch(/^sha256-[a-f0-9]{64}\.sig$/);
    const ed = generateKeyPairSync('ed25519');
    await pushReleaseSignature(image, pushed.digest, sign(null, Buffer.from(pushed.digest), ed.privateKey));
    await verifyReleaseSignature(image, pushed.digest, ed.publicKey);

    const other = generateKeyPairSync('ed25519');
    const wrongKey = await refusal(verifyReleaseSignature(image, pushed.digest, other.publicKey));
    expect(hasCode(wrongKey, 'KEDGE_RELEASE_SIGNATURE_INVALID')).toBe(true);
    expect(wrongKey.message).toContain(`release ${pushed.digest}: the signature does not verify`);

    const unsigned = `sha256:${'0'.repeat(64)}`;
    const missing = await refusal(verifyReleaseSignature(image, unsigned, ed.publicKey));
    expect(hasCode(missing, 'KEDGE_RELEASE_SIGNATURE_INVALID')).toBe(true);
    expect(missing.message).toContain(`release ${unsigned}: no signature could be read`);

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await pushReleaseSignature(
      image,
      pushed.digest,
      sign('sha256', Buffer.from(pushed.digest), ec.privateKey),
    );
    await verifyReleaseSignature(image, pushed.digest, ec.publicKey);
    const replaced = await refusal(verifyReleaseSignature(image, pushed.digest, ed.publicKey));
    expect(hasCode(replaced, 'KEDGE_RELEASE_SIGNATURE_INVALID')).toBe(true);
  });
});
