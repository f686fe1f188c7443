// A throwaway network namespace for tests that must put addresses somewhere
// (CNI bridges, pod IPs): `ip netns add kedge-t-<random>`, commands run inside
// it with nsenter (network namespace only, so /sys and the cgroup mounts stay
// those of the host), removed with `ip netns delete`. Nothing is added to the
// host's own network namespace.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { KedgeError } from '@kedge/api';

const IP_BINARY = '/usr/sbin/ip';
export const NSENTER_BINARY = '/usr/bin/nsenter';

export interface TestNetns {
  /** `kedge-t-<hex>`. */
  name: string;
  /** `/run/netns/<name>`, what `nsenter --net=` takes. */
  path: string;
  /** The argv prefix that runs a command inside the namespace: `[nsenter, --net=<path>, --]`. */
  prefix: string[];
  /** Runs `binary args` inside the namespace; resolves with stdout, rejects with stderr. */
  exec(binary: string, args: string[], options?: { timeoutMs?: number }): Promise<string>;
  /** Deletes the namespace (idempotent). */
  remove(): Promise<void>;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (!err) resolve(stdout);
      else
        reject(
          new KedgeError(
            'KEDGE_INTERNAL',
            `${binary} ${args.join(' ')} failed: ${stderr.trim() || err.message}`,
            {
              args,
            },
          ),
        );
    });
  });
}

/** Throws KEDGE_TEST_TOOL_MISSING naming what is missing (iproute2, util-linux, root). */
export function ensureNetnsTools(): void {
  for (const [binary, pkg] of [
    [IP_BINARY, 'iproute2'],
    [NSENTER_BINARY, 'util-linux'],
  ] as const) {
    try {
      accessSync(binary, constants.X_OK);
    } catch {
      throw new KedgeError(
        'KEDGE_TEST_TOOL_MISSING',
        `${binary} is missing: install the Debian package ${pkg} (\`source scripts/lib.sh && bootstrap\` does)`,
        { file: binary },
      );
    }
  }
  if (process.getuid?.() !== 0) {
    throw new KedgeError(
      'KEDGE_TEST_TOOL_MISSING',
      'network namespaces need root: run the tests as root',
      {},
    );
  }
}

/** Creates `kedge-t-<random>` with its loopback up. */
export async function createNetns(): Promise<TestNetns> {
  ensureNetnsTools();
  const name = `kedge-t-${randomBytes(4).toString('hex')}`;
  const path = `/run/netns/${name}`;
  await run(IP_BINARY, ['netns', 'add', name], 10_000);
  const prefix = [NSENTER_BINARY, `--net=${path}`, '--'];
  const exec = (binary: string, args: string[], o: { timeoutMs?: number } = {}): Promise<string> =>
    run(NSENTER_BINARY, [`--net=${path}`, '--', binary, ...args], o.timeoutMs ?? 30_000);
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await run(IP_BINARY, ['netns', 'delete', name], 10_000);
  };
  try {
    await exec(IP_BINARY, ['link', 'set', 'lo', 'up']);
  } catch (err: unknown) {
    await remove();
    throw err;
  }
  return { name, path, prefix, exec, remove };
}
