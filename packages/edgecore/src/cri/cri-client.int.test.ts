// The CRI client against a real containerd (temp root, CRI plugin, plain http
// to the loopback registries) and real registries, one of them behind Basic
// auth.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import {
  startContainerd,
  startRegistry,
  tempDir,
  type TempDir,
  type TestContainerd,
  type TestRegistry,
} from '@kedge/testing';
import { CriClient } from './cri-client.ts';
import { pushTinyImage } from '../../test/test-images.ts';

const AUTH = { username: 'puller', password: 'pull-pass' };

let ctd: TestContainerd;
let open: TestRegistry;
let locked: TestRegistry;
let dir: TempDir;
let client: CriClient;
let publicRef: string;
let privateRef: string;

beforeAll(async () => {
  dir = await tempDir('kedge-cri-');
  open = await startRegistry();
  locked = await startRegistry({ auth: AUTH });
  ctd = await startContainerd({ plainHttpRegistries: [open.url, locked.url] });
  publicRef = await pushTinyImage(open.url, 'kedge/public', dir.path);
  privateRef = await pushTinyImage(locked.url, 'kedge/private', dir.path, AUTH);
  client = new CriClient({ endpoint: ctd.endpoint });
});

afterAll(async () => {
  client?.close();
  await ctd?.stop();
  await open?.stop();
  await locked?.stop();
  await dir?.cleanup();
});

describe('CriClient on containerd', () => {
  it('reads the runtime version', async () => {
    expect(await client.version()).toMatchObject({ runtimeName: 'containerd', runtimeApiVersion: 'v1' });
  });

  it('pulls an image that ImageStatus did not find, then finds, lists and removes it', async () => {
    expect(await client.imageStatus(publicRef)).toBeUndefined();
    const id = await client.pullImage(publicRef);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await client.imageStatus(publicRef)).toMatchObject({ id, repoTags: [publicRef] });
    expect((await client.listImages()).map((i) => i.id)).toContain(id);
    expect(await ctd.imageNames()).toContain(publicRef);
    await client.removeImage(publicRef);
    expect(await client.imageStatus(publicRef)).toBeUndefined();
    expect(await ctd.imageNames()).not.toContain(publicRef);
    await client.removeImage(publicRef); // idempotent
  });

  it('pulls from a registry behind auth only with the credentials', async () => {
    const denied = await client.pullImage(privateRef).catch((err: unknown) => err);
    expect(hasCode(denied, 'KEDGE_CRI_ERROR')).toBe(true);
    expect((denied as Error).message).toContain(
      `container runtime at ${ctd.endpoint}: PullImage ${privateRef}: `,
    );
    expect((denied as Error).message).toContain('401 Unauthorized');
    await client.pullImage(privateRef, { auth: AUTH });
    expect(await ctd.imageNames()).toContain(privateRef);
  });

  it("reports a missing image with the runtime's words", async () => {
    const missing = `${open.url}/kedge/missing:v1`;
    const err = await client.pullImage(missing).catch((e: unknown) => e);
    expect(hasCode(err, 'KEDGE_CRI_ERROR')).toBe(true);
    const detail = (err as { context: { detail: string } }).context.detail;
    expect(detail).toMatch(/^NOT_FOUND: failed to pull and unpack image .*not found$/);
  });

  it('cancels a call when its signal aborts', async () => {
    const ac = new AbortController();
    const reason = new Error('stop now');
    const pull = client.pullImage(`${open.url}/kedge/missing:v2`, { signal: ac.signal });
    ac.abort(reason);
    await expect(pull).rejects.toBe(reason);
  });

  it('names the socket when nothing answers on it', async () => {
    const socket = join(dir.path, 'none.sock');
    const down = new CriClient({ endpoint: `unix://${socket}` });
    try {
      const err = await down.version().catch((e: unknown) => e);
      expect(hasCode(err, 'KEDGE_CRI_UNAVAILABLE')).toBe(true);
      expect((err as Error).message).toBe(
        `container runtime at unix://${socket} is not reachable: connect ENOENT ${socket}`,
      );
    } finally {
      down.close();
    }
  });
});
