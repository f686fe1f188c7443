// Runs the system GNU tar with an argument list (never a shell), with optional
// stdin text and stdout handed to the caller; the error names the command's
// purpose and carries tar's own complaint.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { KedgeError } from '@kedge/api';

const MAX_STDERR = 8192;

export interface TarRun {
  /** tar's stdout, when `stdout: 'pipe'` was asked for. */
  stdout: Readable | null;
  /** Resolves when tar exited 0; rejects with KEDGE_OCI_UNPACK_FAILED otherwise. */
  done: Promise<void>;
}

export function runTar(
  args: string[],
  options: { what: string; input?: string; stdout?: 'pipe' | 'ignore'; signal?: AbortSignal },
): TarRun {
  const child = spawn('tar', args, {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', options.stdout ?? 'ignore', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) =>
      reject(
        options.signal?.aborted
          ? err
          : new KedgeError(
              'KEDGE_OCI_UNPACK_FAILED',
              `${options.what}: cannot run tar: ${err.message}`,
              {},
              {
                cause: err,
              },
            ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited ${code}`;
      reject(
        new KedgeError(
          'KEDGE_OCI_UNPACK_FAILED',
          `${options.what}: tar ${how}: ${stderr.trim() || '(no message)'}`,
        ),
      );
    });
  });
  return { stdout: child.stdout, done };
}
