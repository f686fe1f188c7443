// docker-compose on Debian's Docker engine, for compose-engine.e2e.test.ts:
// the engine scripts/lib.sh ensure_docker_engine starts (or finds), the
// images scripts/build-images builds, and one compose project on a name of
// its own, always torn down with `down -v`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@kedge/testing';

const run = promisify(execFile);
const LIB = join(repoRoot(), 'scripts', 'lib.sh');

export interface DockerEngine {
  /** unix:///... the daemon answers on. */
  host: string;
  /** The client matching the daemon (Debian's docker). */
  docker: string;
}

/** Starts the engine if none answers (installs docker.io on first use); bounded by lib.sh (60 s). */
export async function ensureDockerEngine(): Promise<DockerEngine> {
  const { stdout } = await run(
    'bash',
    ['-c', `source ${JSON.stringify(LIB)} && ensure_docker_engine && echo "$DOCKER_HOST $KEDGE_DOCKER"`],
    { timeout: 600_000 },
  );
  const [host = '', docker = ''] = stdout.trim().split(/\s+/).slice(-2);
  return { host, docker };
}

/** scripts/build-images: the kedge images, the edge release kept in releaseOut. Returns its log. */
export async function buildImages(releaseOut: string): Promise<string> {
  const { stderr } = await run(join(repoRoot(), 'scripts', 'build-images'), ['--release-out', releaseOut], {
    timeout: 900_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stderr;
}

export class ComposeProject {
  private readonly engine: DockerEngine;
  readonly file: string;
  readonly name: string;
  private readonly env: Record<string, string>;

  constructor(engine: DockerEngine, file: string, name: string, env: Record<string, string>) {
    this.engine = engine;
    this.file = file;
    this.name = name;
    this.env = env;
  }

  /** `docker-compose -p <name> -f <file> ...args`, bounded. */
  async compose(args: string[], timeoutMs = 180_000): Promise<string> {
    const { stdout } = await run('docker-compose', ['--no-ansi', '-p', this.name, '-f', this.file, ...args], {
      env: { ...process.env, ...this.env, DOCKER_HOST: this.engine.host },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  async docker(args: string[], timeoutMs = 60_000): Promise<string> {
    const { stdout } = await run(this.engine.docker, args, {
      env: { ...process.env, DOCKER_HOST: this.engine.host },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  }

  /** Where a named volume of this project is on this machine. */
  async volumePath(volume: string): Promise<string> {
    return this.docker(['volume', 'inspect', '-f', '{{.Mountpoint}}', `${this.name}_${volume}`]);
  }

  /** Containers, networks and volumes the engine still has for this project. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const lists = await Promise.all([
      this.docker(['ps', '-a', '--filter', label, '--format', 'container {{.Names}}']),
      this.docker(['network', 'ls', '--filter', label, '--format', 'network {{.Name}}']),
      this.docker(['volume', 'ls', '--filter', label, '--format', 'volume {{.Name}}']),
    ]);
    return lists.flatMap((l) => l.split('\n')).filter((l) => l !== '');
  }

  async down(): Promise<void> {
    await this.compose(['down', '-v', '--remove-orphans', '--timeout', '10']);
  }
}
