import { describe, expect, it } from 'vitest';
import { parseAuthChallenge } from './auth-challenge.ts';

describe('parseAuthChallenge', () => {
  it('reads a Bearer challenge whose scope holds commas', () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:kedge/pkg:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:kedge/pkg:pull,push',
      },
    });
  });

  it('reads Basic, unquoted values, escapes and spacing', () => {
    expect(parseAuthChallenge('Basic realm="kedge \\"test\\""')).toEqual({
      scheme: 'basic',
      params: { realm: 'kedge "test"' },
    });
    expect(parseAuthChallenge('bearer  Realm = http://x/token , error=insufficient_scope')).toEqual({
      scheme: 'bearer',
      params: { realm: 'http://x/token', error: 'insufficient_scope' },
    });
  });

  it('stops at the second challenge and ignores what it cannot read', () => {
    expect(parseAuthChallenge('Basic realm="a", Bearer realm="b"')).toEqual({
      scheme: 'basic',
      params: { realm: 'a' },
    });
    expect(parseAuthChallenge(null)).toBeUndefined();
    expect(parseAuthChallenge('   ')).toBeUndefined();
  });
});
