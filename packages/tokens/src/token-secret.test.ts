import { describe, expect, it } from 'vitest';
import { MIN_TOKEN_SECRET_LENGTH, isUsableTokenSecret } from './token-secret.ts';

describe('isUsableTokenSecret', () => {
  it('accepts 16 characters and more, refuses shorter and empty secrets', () => {
    expect(MIN_TOKEN_SECRET_LENGTH).toBe(16);
    expect(isUsableTokenSecret('x'.repeat(16))).toBe(true);
    expect(isUsableTokenSecret('x'.repeat(64))).toBe(true);
    expect(isUsableTokenSecret('x'.repeat(15))).toBe(false);
    expect(isUsableTokenSecret('')).toBe(false);
  });
});
