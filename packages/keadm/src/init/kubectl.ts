// kubectl as keadm init runs it: one binary (--kubectl, else `kubectl` on
// PATH), one kubeconfig (--kubeconfig, else kubectl's own default), input on
// stdin, output collected. A missing binary or a failed command becomes
// KEDGE_KUBECTL_FAILED with the command line and kubectl's stderr.
import { spawn } from 'node:child_process';
import { KedgeError } from '@kedge/api';

export interface KubectlTarget {
  /** The kubectl binary; default `kubectl` on PATH. */
  binary?: string | undefined;
  /** Passed as --kubeconfig when set. */
  kubeconfig?: string | undefined;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Kubectl = (
  args: readonly string[],
  options?: { input?: string; allowFailure?: boolean },
) => Promise<KubectlResult>;

export function kubectlRunner(target: KubectlTarget): Kubectl {
  const binary = target.binary ?? 'kubectl';
  const prefix = target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : [];
  return async (args, options = {}) => {
    const full = [...prefix, ...args];
    const command = `${binary} ${full.join(' ')}`;
    const result = await run(binary, full, options.input, target, command);
    if (result.code !== 0 && !options.allowFailure) {
      throw new KedgeError(
        'KEDGE_KUBECTL_FAILED',
        `${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
        { process: 'kubectl' },
      );
    }
    return result;
  };
}

function run(
  binary: string,
  args: string[],
  input: string | undefined,
  target: KubectlTarget,
  command: string,
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(target.env ? { env: target.env } : {}),
      ...(target.signal ? { signal: target.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ENOENT'
          ? `${binary} not found (install kubectl or pass --kubectl PATH)`
          : `${command}: ${err.message}`;
      reject(new KedgeError('KEDGE_KUBECTL_FAILED', why, { process: 'kubectl' }, { cause: err }));
    });
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // kubectl may exit before reading all of stdin (a bad flag); that is reported by its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
