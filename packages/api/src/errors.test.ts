import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KedgeError, errorCodeOf, errorMessage, hasCode, isKedgeError } from './errors.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('docs/errors.md lists every code in ERROR_CODES, and no other', () => {
    const documented = [...doc.matchAll(/^\| `(KEDGE_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(documented).size, 'a code is listed twice').toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('every code follows KEDGE_<AREA>_<REASON> and has a meaning', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^KEDGE_[A-Z]+(_[A-Z0-9]+)*$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });

  it('lets callers check the code of an error from any copy of the module', () => {
    const err = new KedgeError(
      'KEDGE_STORE_CONFLICT',
      'stale',
      { resource: 'NodeUpgradeJob/x' },
      { cause: new Error('rv 3') },
    );
    expect(hasCode(err, 'KEDGE_STORE_CONFLICT')).toBe(true);
    expect(hasCode({ code: 'KEDGE_STORE_CONFLICT' }, 'KEDGE_STORE_CONFLICT')).toBe(true);
    expect(hasCode(err, 'KEDGE_STORE_NOT_FOUND')).toBe(false);
    expect(errorMessage(err)).toBe('stale');
    expect(errorMessage('plain')).toBe('plain');
  });

  it('tells a coded error from anything else by its code, not its class', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: 'KEDGE_STORE_CONFLICT' });
    expect(isKedgeError(foreign)).toBe(true);
    expect(errorCodeOf(foreign)).toBe('KEDGE_STORE_CONFLICT');
    expect(isKedgeError(Object.assign(new Error('errno'), { code: 'ENOENT' }))).toBe(false);
    expect(errorCodeOf(new Error('plain'))).toBe('KEDGE_INTERNAL');
    expect(errorCodeOf('thrown string')).toBe('KEDGE_INTERNAL');
  });
});
