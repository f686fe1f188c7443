import { describe, expect, it } from 'vitest';
import { requireChromium } from './chromium.ts';

describe('requireChromium', () => {
  it('fails loudly, naming the path and how to install it, when Chromium is missing', () => {
    let thrown: unknown;
    try {
      requireChromium('/nonexistent/kedge-test/chromium');
    } catch (err: unknown) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'KEDGE_TEST_TOOL_MISSING',
      context: { file: '/nonexistent/kedge-test/chromium' },
    });
    expect((thrown as Error).message).toContain('/nonexistent/kedge-test/chromium');
    expect((thrown as Error).message).toContain('chromium');
    expect((thrown as Error).message).toContain('scripts/lib.sh');
  });

  it('returns an executable that exists', () => {
    expect(requireChromium(process.execPath)).toBe(process.execPath);
  });
});
