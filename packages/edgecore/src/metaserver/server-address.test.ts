import { describe, expect, it } from 'vitest';
import { parseServerAddress } from './server-address.ts';

describe('parseServerAddress', () => {
  it('accepts loopback host:port, port 0 included', () => {
    expect(parseServerAddress('127.0.0.1:10550')).toEqual({ host: '127.0.0.1', port: 10550 });
    expect(parseServerAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseServerAddress('[::1]:10550')).toEqual({ host: '::1', port: 10550 });
    expect(parseServerAddress('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
  });

  it('refuses other hosts and bad syntax, naming the config field', () => {
    expect(() => parseServerAddress('0.0.0.0:10550')).toThrow(
      /modules\.metaManager\.metaServer\.server: "0\.0\.0\.0" is not a loopback address/,
    );
    expect(() => parseServerAddress('169.254.30.10:10550')).toThrow(/not a loopback address/);
    expect(() => parseServerAddress('127.0.0.1')).toThrow(/is not host:port/);
    expect(() => parseServerAddress('127.0.0.1:70000')).toThrow(/out of range/);
  });
});
