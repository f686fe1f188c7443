import { PassThrough } from 'node:stream';
import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[]; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const text = (): string => Buffer.concat(chunks).toString('utf8');
  const lines = (): Record<string, unknown>[] =>
    text()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}

describe('createLogger', () => {
  it('writes JSON lines with the logger and module names', () => {
    const out = capture();
    const log = createLogger({ name: 'edgecore', destination: out.stream });
    log.child({ module: 'metamanager' }).info({ msgId: 'm1' }, 'hello');
    const [line] = out.lines();
    expect(line).toMatchObject({
      name: 'edgecore',
      module: 'metamanager',
      msgId: 'm1',
      msg: 'hello',
      level: 30,
    });
  });

  it('never writes a token, password or authorization header to the output', () => {
    const out = capture();
    const log = createLogger({ name: 'cloudcore', destination: out.stream });
    const secret = 's3cr3t-token-value';
    log.info({ token: secret, node: 'edge-1' }, 'top level');
    log.info({ auth: { token: secret, password: secret } }, 'nested');
    log.info({ req: { headers: { authorization: `Bearer ${secret}` } } }, 'request');
    log.info({ headers: { authorization: `Bearer ${secret}` } }, 'headers');
    log.child({ module: 'cloudhub' }).warn({ conn: { secret } }, 'child');
    expect(out.text()).not.toContain(secret);
    const lines = out.lines();
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ token: '[redacted]', node: 'edge-1' });
    expect(lines[1]).toMatchObject({ auth: { token: '[redacted]', password: '[redacted]' } });
    expect(lines[2]).toMatchObject({ req: { headers: { authorization: '[redacted]' } } });
    expect(lines[3]).toMatchObject({ headers: { authorization: '[redacted]' } });
    expect(lines[4]).toMatchObject({ conn: { secret: '[redacted]' }, module: 'cloudhub' });
  });

  it('takes the level from options, then KEDGE_LOG_LEVEL', () => {
    const out = capture();
    const log = createLogger({ name: 'x', level: 'warn', destination: out.stream });
    log.info('dropped');
    log.warn('kept');
    expect(out.lines().map((l) => l['msg'])).toEqual(['kept']);

    const saved = process.env['KEDGE_LOG_LEVEL'];
    process.env['KEDGE_LOG_LEVEL'] = 'debug';
    try {
      expect(createLogger({ name: 'y', destination: capture().stream }).level).toBe('debug');
    } finally {
      if (saved === undefined) delete process.env['KEDGE_LOG_LEVEL'];
      else process.env['KEDGE_LOG_LEVEL'] = saved;
    }
  });

  it('rejects an unknown level naming the problem', () => {
    let caught: unknown;
    try {
      createLogger({ name: 'x', level: 'loud', destination: capture().stream });
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('"loud"');
  });
});
