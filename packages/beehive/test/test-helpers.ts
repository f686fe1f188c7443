// Shared by this package's tests: a logger whose JSON lines can be read back,
// modules built from a function, and polling until a condition holds.
import { PassThrough } from 'node:stream';
import { newMessage, type Message } from '@kedge/api';
import { createLogger, type Logger } from '@kedge/runtime';
import type { Module, ModuleContext, RestartPolicy } from '../src/module.ts';

export interface CapturedLog {
  log: Logger;
  lines(): Record<string, unknown>[];
}

export function capturedLogger(): CapturedLog {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString('utf8');
  });
  const log = createLogger({ name: 'beehive-test', level: 'debug', destination: stream });
  const lines = (): Record<string, unknown>[] =>
    text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines };
}

export function testModule(
  name: string,
  start: (ctx: ModuleContext) => Promise<void>,
  options: { group?: string; enabled?: boolean; restartPolicy?: RestartPolicy } = {},
): Module {
  const m: Module = { name, group: options.group ?? name, enabled: options.enabled ?? true, start };
  return options.restartPolicy === undefined ? m : { ...m, restartPolicy: options.restartPolicy };
}

export function msg(resource: string, operation = 'update', content: unknown = null): Message {
  return newMessage({ source: 'test', group: 'resource', operation, resource, content });
}

/** Polls cond (every few ms, real time) until it is true; fails after timeoutMs. */
export async function until(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
