#!/usr/bin/env node
// Entry point of kedgectl: wires the real process into main(). The only place
// that touches process.exitCode or installs signal handlers.
import { text } from 'node:stream/consumers';
import { main } from '../kedgectl/main.ts';

const controller = new AbortController();
const stop = (): void => controller.abort(new Error('interrupted'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => text(process.stdin),
  env: process.env,
  signal: controller.signal,
  now: () => Date.now(),
});
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
