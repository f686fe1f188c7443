import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureRegistryInstalled, startRegistry } from './registry.ts';

describe('startRegistry', () => {
  it('serves the distribution API on 127.0.0.1 and cleans up on stop', async () => {
    ensureRegistryInstalled({ auth: { username: 'u', password: 'p', scheme: 'token' } });
    const registry = await startRegistry();
    expect(registry.url).toBe(`127.0.0.1:${registry.port}`);
    const res = await fetch(`http://${registry.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    await registry.stop();
    await expect(fetch(`http://${registry.url}/v2/`)).rejects.toThrow();
    expect(existsSync(registry.storageDir)).toBe(false);
  });

  it('asks for the htpasswd credentials it was given', async () => {
    const registry = await startRegistry({ auth: { username: 'alice', password: 'wonderland' } });
    try {
      const anonymous = await fetch(`http://${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="kedge-test-registry"');
      const basic = `Basic ${Buffer.from('alice:wonderland').toString('base64')}`;
      expect((await fetch(`http://${registry.url}/v2/`, { headers: { authorization: basic } })).status).toBe(
        200,
      );
    } finally {
      await registry.stop();
    }
  });
});
