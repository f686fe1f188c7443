// What a keadm command gets from the process: streams, env, a clock and an
// abort signal (Ctrl-C). Commands never touch `process` themselves.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { KedgeError, errorMessage } from '@kedge/api';
import type { Clock } from '@kedge/runtime';

export interface KeadmIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  clock: Clock;
  signal: AbortSignal;
}

/** A usage error: KEDGE_CLI_USAGE with the first line of the command's usage. */
export function usageError(message: string, usage: string): KedgeError {
  const synopsis = usage.split('\n')[0] ?? '';
  return new KedgeError('KEDGE_CLI_USAGE', `${message}\n${synopsis} (--help for details)`);
}

/** parseArgs for one command; unknown flags and stray arguments are usage errors. */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: O,
  usage: string,
): ReturnType<typeof parseArgs<{ options: O; args: string[]; allowPositionals: true; strict: true }>> {
  try {
    const parsed = parseArgs({ options, args: [...argv], allowPositionals: true, strict: true });
    if (parsed.positionals.length > 0 && !('help' in parsed.values && parsed.values.help)) {
      throw new KedgeError('KEDGE_CLI_USAGE', `unexpected argument "${parsed.positionals[0]}"`);
    }
    return parsed;
  } catch (err: unknown) {
    throw usageError(errorMessage(err), usage);
  }
}

/** A positive integer flag value (seconds, ms...). */
export function positiveInt(
  flag: string,
  value: string | undefined,
  fallback: number,
  usage: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw usageError(`--${flag}: "${value}" is not a positive integer`, usage);
  return n;
}
