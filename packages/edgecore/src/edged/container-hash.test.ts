import { describe, expect, it } from 'vitest';
import { containerSpecHash } from './container-hash.ts';

describe('containerSpecHash', () => {
  it('changes with the spec (an image update), not with key order', () => {
    const c = { name: 'web', image: 'registry.local/web:1', env: [{ name: 'A', value: '1' }] };
    const same = { env: [{ value: '1', name: 'A' }], image: 'registry.local/web:1', name: 'web' };
    expect(containerSpecHash(c)).toMatch(/^[0-9a-f]{16}$/);
    expect(containerSpecHash(same)).toBe(containerSpecHash(c));
    expect(containerSpecHash({ ...c, image: 'registry.local/web:2' })).not.toBe(containerSpecHash(c));
  });
});
