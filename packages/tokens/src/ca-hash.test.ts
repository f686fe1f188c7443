// The CA hash of a PEM is the SHA-256 of the certificate's DER, as the edge
// computes it over the CA it downloads.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caHash, caHashOfPem } from './ca-hash.ts';

describe('caHashOfPem', () => {
  it('hashes the DER of the certificate, not the PEM text', () => {
    const pem = readFileSync(new URL('./testdata/ca.crt', import.meta.url), 'utf8');
    const der = new X509Certificate(pem).raw;
    const expected = createHash('sha256').update(der).digest('hex');
    expect(caHashOfPem(pem)).toBe(expected);
    expect(caHash(der)).toBe(expected);
    expect(caHashOfPem(`\n${pem}\n`)).toBe(expected);
    expect(expected).not.toBe(createHash('sha256').update(pem).digest('hex'));
  });
});
