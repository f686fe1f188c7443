// The certificate bootstrap client against a cloud address on 127.0.0.1 where
// nothing listens: the failure carries a code an operator can look up
// (docs/errors.md) and names the URL.
import { freePort } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { fetchCloudCa } from './bootstrap-client.ts';

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected the request to fail');
}

describe('certificate bootstrap client', () => {
  it('reports a cloud that does not listen as KEDGE_HUB_CONNECT_FAILED naming the URL', async () => {
    const port = await freePort();
    const err = await failure(fetchCloudCa(`https://127.0.0.1:${port}`, 'ab'.repeat(32)));
    expect(err).toMatchObject({ code: 'KEDGE_HUB_CONNECT_FAILED', context: { server: `127.0.0.1:${port}` } });
    expect(String(err)).toContain(`https://127.0.0.1:${port}/ca.crt`);
  });
});
