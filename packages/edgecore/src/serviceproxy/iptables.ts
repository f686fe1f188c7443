// Runs iptables tools, inside a given network namespace when configured
// (nsenter --net), with the xtables lock waited for. Failures are coded
// KEDGE_PROXY_RULES_FAILED with the tool's stderr.
import { execFile } from 'node:child_process';
import { KedgeError } from '@kedge/api';

const SBIN_PATH = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin:/usr/bin`;

export class Iptables {
  readonly #netnsPath: string;

  /** `netnsPath` '' = the caller's own network namespace. */
  constructor(netnsPath: string) {
    this.#netnsPath = netnsPath;
  }

  /** Runs `tool args`, writing `input` to its stdin; resolves with stdout. */
  run(
    tool: 'iptables' | 'iptables-save' | 'iptables-restore',
    args: string[],
    input?: string,
  ): Promise<string> {
    const [file, argv] = this.#netnsPath
      ? ['nsenter', [`--net=${this.#netnsPath}`, '--', tool, ...args]]
      : [tool, args];
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        argv,
        { timeout: 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: SBIN_PATH } },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          reject(
            new KedgeError(
              'KEDGE_PROXY_RULES_FAILED',
              `${[tool, ...args].join(' ')}${this.#netnsPath ? ` (in ${this.#netnsPath})` : ''} failed: ` +
                `${stderr.trim() || err.message}`,
              { file: this.#netnsPath || undefined },
              { cause: err },
            ),
          );
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Appends `-j target` to `chain` of the nat table unless it is there already. */
  async ensureJump(chain: string, target: string): Promise<void> {
    try {
      await this.run('iptables', ['-w', '5', '-t', 'nat', '-C', chain, '-j', target]);
    } catch {
      await this.run('iptables', ['-w', '5', '-t', 'nat', '-A', chain, '-j', target]);
    }
  }
}
