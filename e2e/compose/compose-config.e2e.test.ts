// configs/compose as users get it: docker-compose itself accepts the file
// (`docker-compose config`: Debian's docker-compose, no Docker engine
// needed) and resolves it exactly as readComposeFile reads it; the
// Dockerfiles keep the BASE_IMAGE contract scripts/build-images relies on;
// the configs they carry load with the daemons' own loaders.
// compose-engine.e2e.test.ts runs the file on a real engine.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCloudCoreConfig } from '@kedge/cloudcore';
import { loadControllerManagerConfig } from '@kedge/controllermanager';
import { loadEdgeCoreConfig } from '@kedge/edgecore';
import { repoRoot } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { interpolate, readComposeFile, type ComposeService } from './compose-file.ts';

const run = promisify(execFile);
const DIR = join(repoRoot(), 'configs', 'compose');
const COMPOSE = join(DIR, 'docker-compose.yml');
const ENV = { KEDGE_EDGE_1_TOKEN: 'token-1', KEDGE_EDGE_2_TOKEN: 'token-2', KEDGE_EDGE_3_TOKEN: 'token-3' };

async function dockerCompose(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('docker-compose', ['-f', COMPOSE, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw err;
    return { code: Number(e.code ?? 1), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function haveDockerCompose(): Promise<boolean> {
  try {
    await run('docker-compose', ['version']);
    return true;
  } catch {
    return false;
  }
}

// The test command installs it (scripts/lib.sh bootstrap); without it this fails, never skips.
if (!(await haveDockerCompose()))
  throw new Error('docker-compose is not installed (apt-get install docker-compose, or run ./scripts/test)');

/** A service as `docker-compose config` prints it. */
interface ResolvedService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: { source: string }[];
  /** `docker-compose config` prints host-bound ports as `IP:PUBLISHED:TARGET/PROTO`. */
  ports?: ({ target: number; published?: number } | string)[];
  expose?: (string | number)[];
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

/** A service as docker-compose resolved it, in the shape readComposeFile gives. */
function fromDockerCompose(name: string, s: ResolvedService): Partial<ComposeService> {
  return {
    name,
    image: s.image,
    command: s.command,
    environment: s.environment ?? {},
    volumes: (s.volumes ?? []).map((v) => {
      const [source = '', target = '', mode = ''] = v.split(':');
      return { type: source.startsWith('/') ? 'bind' : 'volume', source, target, readOnly: mode === 'ro' };
    }),
    secrets: (s.secrets ?? []).map((x) => x.source),
    ports: (s.ports ?? []).map((p) => {
      if (typeof p !== 'string') return { target: p.target, published: p.published };
      const [, published = '', target = ''] = /^[\d.]+:(\d+):(\d+)/.exec(p) ?? [];
      return { target: Number(target), published: Number(published) };
    }),
    expose: (s.expose ?? []).map(Number),
    dependsOn: Object.entries(s.depends_on ?? {}).map(([service, d]) => ({
      service,
      condition: d.condition,
    })),
    restart: s.restart,
  };
}

describe('docker-compose config', () => {
  it('accepts the file and resolves it as readComposeFile reads it', async () => {
    const r = await dockerCompose(['config'], ENV);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const resolved = parse(r.stdout) as {
      services: Record<string, ResolvedService>;
      secrets: Record<string, { file: string }>;
    };
    const ours = readComposeFile(COMPOSE, ENV);
    expect(Object.keys(resolved.services).sort()).toEqual(ours.services.map((s) => s.name).sort());
    for (const s of ours.services) {
      const theirs = fromDockerCompose(s.name, resolved.services[s.name] ?? {});
      const mine = {
        name: s.name,
        image: s.image,
        command: s.command,
        environment: s.environment,
        volumes: s.volumes,
        secrets: s.secrets,
        ports: s.ports.map((p) => ({ target: p.target, published: p.published })),
        expose: s.expose,
        dependsOn: s.dependsOn,
        restart: s.restart,
      };
      expect(mine, s.name).toEqual(theirs);
      const build = resolved.services[s.name]?.build;
      expect(s.build && { context: s.build.context, dockerfile: s.build.dockerfile }).toEqual(
        build && { context: build.context, dockerfile: build.dockerfile },
      );
    }
    expect(resolved.secrets['kedge-token-secret']?.file).toBe(ours.secrets['kedge-token-secret']);
    // what a service publishes is reachable from this machine only
    const published = Object.values(resolved.services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('refuses to start edges without their tokens, as readComposeFile does', async () => {
    const r = await dockerCompose(['config'], { KEDGE_EDGE_1_TOKEN: 'only-one' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('run the token steps in docs/deploy.md');
    expect(() => readComposeFile(COMPOSE, { KEDGE_EDGE_1_TOKEN: 'only-one' })).toThrow(
      /KEDGE_EDGE_2_TOKEN: run the token steps in docs\/deploy.md/,
    );
  });
});

describe('configs/compose Dockerfiles and configs', () => {
  const dockerfiles = readdirSync(DIR).filter((f) => /^Dockerfile\.[a-z]+$/.test(f));

  it('one Dockerfile per image: on BASE_IMAGE (public Node 24 by default), non-root, labelled, health-checked', () => {
    expect(dockerfiles.sort()).toEqual([
      'Dockerfile.cloudcore',
      'Dockerfile.controllermanager',
      'Dockerfile.edgecore',
      'Dockerfile.registry',
    ]);
    for (const f of dockerfiles.filter((x) => x !== 'Dockerfile.registry')) {
      const text = readFileSync(join(DIR, f), 'utf8');
      expect(
        [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]),
        f,
      ).toEqual(['${BASE_IMAGE}']);
      expect(text, f).toContain('ARG BASE_IMAGE=node:24-bookworm-slim');
      expect(text, f).toMatch(/^HEALTHCHECK /m);
    }
    for (const f of dockerfiles) {
      const text = readFileSync(join(DIR, f), 'utf8');
      expect(text, f).toMatch(/^USER 1000:1000$/m);
      expect(text, f).toContain('org.opencontainers.image.version=');
      expect(text, f).toContain('org.opencontainers.image.revision="${KEDGE_REVISION}"');
    }
  });

  it('every service runs an image scripts/build-images makes, and every file it mounts exists', () => {
    const built = readFileSync(join(repoRoot(), 'scripts', 'build-images'), 'utf8');
    for (const s of readComposeFile(COMPOSE, { ...ENV, KEDGE_REGISTRY_IMAGE: 'kedge/registry:2' }).services) {
      const name = /^kedge\/([a-z]+):/.exec(s.image ?? '')?.[1];
      expect(name, s.name).toBeDefined();
      expect(built, s.name).toContain(`kedge/${name}:`);
      for (const v of s.volumes.filter((x) => x.type === 'bind'))
        expect(existsSync(v.source), v.source).toBe(true);
    }
  });

  it("cloudcore.yaml, controllermanager.yaml and edgecore.yaml load with the daemons' own loaders", () => {
    const cloud = loadCloudCoreConfig({
      file: 'cloudcore.yaml',
      text: readFileSync(join(DIR, 'cloudcore.yaml'), 'utf8'),
      env: {},
    });
    expect(cloud.store.backend).toBe('sqlite');
    expect(cloud.modules.cloudHub.auth.tokenSecretFile).toBe('/run/secrets/kedge-token-secret');
    const edge = loadEdgeCoreConfig({
      file: 'edgecore.yaml',
      text: readFileSync(join(DIR, 'edgecore.yaml'), 'utf8'),
      env: { KEDGE_NODE_NAME: 'edge-1', KEDGE_EDGE_TOKEN: 'token-1' },
    });
    expect(edge.modules.edgeHub.websocket.server).toBe('cloudcore:10000');
    expect(edge.modules.taskManager.enable).toBe(true);
    const cm = loadControllerManagerConfig({
      file: 'controllermanager.yaml',
      text: readFileSync(join(DIR, 'controllermanager.yaml'), 'utf8'),
      env: {},
    });
    expect(cm.store.sqlite.path).toBe(cloud.store.sqlite.path); // one SQLite file on the shared volume
  });

  it('interpolates as compose does', () => {
    const env = { A: 'a', EMPTY: '' };
    expect(interpolate('${A} $A ${B:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt} $$A', env)).toBe('a a dflt dflt  $A');
    expect(() => interpolate('${B:?say why}', env)).toThrow('B: say why');
    expect(() => interpolate('${EMPTY:?set it}', env)).toThrow('EMPTY: set it');
    expect(interpolate('${EMPTY?set it}', env)).toBe('');
  });
});
