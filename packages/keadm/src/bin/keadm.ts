#!/usr/bin/env node
// Entry point of keadm: wires the real process into main(). The only place
// that touches process.exitCode or installs signal handlers.
import { systemClock } from '@kedge/runtime';
import { main } from '../keadm-main.ts';

const controller = new AbortController();
const stop = (): void => controller.abort(new Error('interrupted'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  clock: systemClock,
  signal: controller.signal,
});
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
