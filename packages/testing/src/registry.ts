// A real Distribution registry (Debian's docker-registry) for tests: its own
// port on 127.0.0.1, filesystem storage in a temp dir, and optionally
// htpasswd (bcrypt, made by apache2-utils' htpasswd) Basic auth or the Bearer
// token flow with a test token service. Storage is exposed so tests can
// corrupt what the registry serves.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { freePort } from './free-port.ts';
import { OutputLog } from './output-log.ts';
import {
  startTokenService,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  type TokenService,
} from './registry-token-service.ts';
import { spawnDaemon } from './spawn-daemon.ts';
import { tempDir } from './temp-dir.ts';

const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface StartRegistryOptions {
  /** Require these credentials: `basic` (default) via htpasswd, `token` via a Bearer token service. */
  auth?: { username: string; password: string; scheme?: 'basic' | 'token' };
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  url: string;
  /** `127.0.0.1` */
  host: string;
  port: number;
  /** The registry's filesystem storage root (docker/registry/v2/... below it). */
  storageDir: string;
  /** The token service, when `auth.scheme` is `token`. */
  tokenService?: TokenService;
  /** Output of the registry process, for failing tests. */
  output(): string;
  stop(): Promise<void>;
}

const TOOLS = [
  { binary: REGISTRY_BINARY, pkg: 'docker-registry', when: 'always' },
  { binary: '/usr/bin/htpasswd', pkg: 'apache2-utils', when: 'basic' },
  { binary: '/usr/bin/openssl', pkg: 'openssl', when: 'token' },
] as const;

/** Throws KEDGE_TEST_TOOL_MISSING naming the Debian package when a tool the registry needs is missing. */
export function ensureRegistryInstalled(options: StartRegistryOptions = {}): void {
  const scheme = options.auth ? (options.auth.scheme ?? 'basic') : undefined;
  for (const tool of TOOLS) {
    if (tool.when !== 'always' && tool.when !== scheme) continue;
    try {
      accessSync(tool.binary, constants.X_OK);
    } catch {
      throw new KedgeError(
        'KEDGE_TEST_TOOL_MISSING',
        `${tool.binary} is missing: install the Debian package ${tool.pkg} (\`source scripts/lib.sh && bootstrap\` does, or \`apt-get install -y ${tool.pkg}\`)`,
        { file: tool.binary },
      );
    }
  }
}

function htpasswdLine(username: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // -i: the password comes on stdin, never on a command line.
    const child = execFile('htpasswd', ['-B', '-n', '-i', username], (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout.trim() + '\n');
        return;
      }
      reject(
        new KedgeError(
          'KEDGE_INTERNAL',
          `htpasswd failed: ${stderr.trim() || err.message}`,
          {},
          { cause: err },
        ),
      );
    });
    child.stdin?.end(password);
  });
}

async function ready(port: number, exited: () => boolean, log: OutputLog): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited()) {
      throw new KedgeError(
        'KEDGE_TEST_PROCESS_EXITED',
        `docker-registry exited before serving on 127.0.0.1:${port}; last output:\n${log.tail(20)}`,
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `docker-registry did not answer on 127.0.0.1:${port} within 10 s; last output:\n${log.tail(20)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  ensureRegistryInstalled(options);
  const dir = await tempDir('kedge-registry-');
  const storageDir = join(dir.path, 'storage');
  const configFile = join(dir.path, 'config.yml');
  let tokenService: TokenService | undefined;
  let auth: Record<string, unknown> | undefined;
  try {
    if (options.auth && (options.auth.scheme ?? 'basic') === 'basic') {
      const file = join(dir.path, 'htpasswd');
      await writeFile(file, await htpasswdLine(options.auth.username, options.auth.password), {
        mode: 0o600,
      });
      auth = { htpasswd: { realm: 'kedge-test-registry', path: file } };
    } else if (options.auth) {
      tokenService = await startTokenService(dir.path, options.auth.username, options.auth.password);
      auth = {
        token: {
          realm: tokenService.realm,
          service: TOKEN_SERVICE,
          issuer: TOKEN_ISSUER,
          rootcertbundle: tokenService.certFile,
        },
      };
    }
    // A port picked before the registry binds it may be taken meanwhile: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = {
        version: 0.1,
        log: { level: 'warn', accesslog: { disabled: true } },
        storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
        http: { addr: `127.0.0.1:${port}`, secret: 'kedge-test-registry-secret' },
        ...(auth ? { auth } : {}),
      };
      // JSON is YAML, so the registry reads it as is.
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const started = await spawnRegistry(configFile, port);
      if (started.ok) {
        const service = tokenService;
        return {
          url: `127.0.0.1:${port}`,
          host: '127.0.0.1',
          port,
          storageDir,
          ...(service ? { tokenService: service } : {}),
          output: () => started.log.text('stdout') + started.log.text('stderr'),
          stop: async () => {
            await started.stop();
            await service?.close();
            await dir.cleanup();
          },
        };
      }
      if (attempt >= 3 || !/address already in use/.test(started.error.message)) throw started.error;
    }
  } catch (err: unknown) {
    await tokenService?.close();
    await dir.cleanup();
    throw err;
  }
}

type Spawned = { ok: true; log: OutputLog; stop(): Promise<void> } | { ok: false; error: Error };

async function spawnRegistry(configFile: string, port: number): Promise<Spawned> {
  const { log, exited, stop } = spawnDaemon(REGISTRY_BINARY, ['serve', configFile], 5_000);
  try {
    await ready(port, exited, log);
    return { ok: true, log, stop };
  } catch (err: unknown) {
    await stop();
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}
