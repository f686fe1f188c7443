import { describe, expect, it } from 'vitest';
import { closeReason, MAX_CLOSE_REASON_BYTES } from './close-codes.ts';

/** A small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One character from each UTF-8 width (1, 2, 3 and 4 bytes), plus a combining mark.
const ALPHABET = ['a', 'Z', '-', 'é', 'ß', '€', '中', '\u0301', '😀', '𝄞'];

function randomText(rand: () => number): string {
  const length = Math.floor(rand() * 200);
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return text;
}

describe('closeReason', () => {
  it('keeps a reason that fits as it is', () => {
    expect(closeReason('node edge-1: wrong credential')).toBe('node edge-1: wrong credential');
    const exact = 'x'.repeat(MAX_CLOSE_REASON_BYTES);
    expect(closeReason(exact)).toBe(exact);
  });

  it('cuts before a multi-byte character that straddles the limit (the old cut gave 124-125 bytes)', () => {
    const text = 'a'.repeat(119) + '😀' + 'tail';
    const reason = closeReason(text);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(reason).toBe('a'.repeat(119) + '...');
    expect(reason).not.toContain('\uFFFD');
  });

  it('for 5000 random strings of 1-4 byte characters: at most 123 bytes, a prefix of the input, never a broken character', () => {
    const rand = prng(20261203);
    for (let i = 0; i < 5000; i++) {
      const text = randomText(rand);
      const reason = closeReason(text);
      const bytes = Buffer.byteLength(reason, 'utf8');
      expect(bytes, JSON.stringify(text)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
      expect(reason).not.toContain('\uFFFD');
      if (reason === text) continue;
      expect(reason.endsWith('...')).toBe(true);
      expect(text.startsWith(reason.slice(0, -3))).toBe(true);
      // Cut as late as the budget allows: the next character would not have fitted.
      const kept = reason.slice(0, -3);
      const next = [...text.slice(kept.length)][0] ?? '';
      expect(Buffer.byteLength(kept + next)).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - 3);
    }
  });
});
