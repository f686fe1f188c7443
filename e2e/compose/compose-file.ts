// Reads configs/compose/docker-compose.yml the way docker-compose does for
// the parts the process topology needs: `x-` anchors and `<<` merges,
// variable interpolation (${V}, ${V:-default}, ${V-default}, ${V:?error},
// ${V?error}, $V, $$), the short and long forms of environment, volumes,
// ports and depends_on, and each built service's Dockerfile (WORKDIR,
// ENTRYPOINT, CMD, ARG defaults, COPY) for what its image holds.
// compose-config.e2e.test.ts checks this reading against `docker-compose config`.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

interface ComposeVolume {
  type: 'volume' | 'bind';
  /** The volume's name, or an absolute host path for a bind mount. */
  source: string;
  target: string;
  readOnly: boolean;
}

interface ComposePort {
  target: number;
  published?: number;
}

interface Dockerfile {
  workdir: string | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  /** ARG defaults of every stage. */
  args: Record<string, string>;
  /** COPY of the final stage that take files from the build context (not --from). */
  copies: { src: string; dest: string }[];
}

export interface ComposeService {
  name: string;
  image: string | undefined;
  build: { context: string; dockerfile: string; args: Record<string, string> } | undefined;
  dockerfile: Dockerfile | undefined;
  entrypoint: string[] | undefined;
  command: string[] | undefined;
  environment: Record<string, string>;
  volumes: ComposeVolume[];
  /** Secret names, mounted at /run/secrets/<name>. */
  secrets: string[];
  ports: ComposePort[];
  expose: number[];
  dependsOn: { service: string; condition: string }[];
  restart: string | undefined;
  healthcheck: string[] | undefined;
}

export interface ComposeFile {
  dir: string;
  services: ComposeService[];
  /** Secret name -> absolute file. */
  secrets: Record<string, string>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The interpolated value of a string from the compose file; throws on ${V:?error} when V is unset. */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, colon: string, op: string, arg: string, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = env[name];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-') return missing ? (arg ?? '') : (value ?? '');
      if (op === '?') {
        if (missing) throw new Error(`${name}: ${arg || 'required'}`);
        return value ?? '';
      }
      return value ?? '';
    },
  );
}

function interpolateAll(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return value;
}

const strings = (v: unknown): string[] | undefined =>
  v === undefined
    ? undefined
    : typeof v === 'string'
      ? v.split(/\s+/).filter(Boolean)
      : (v as unknown[]).map(String);

function environment(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(v as object).map(([k, val]) => [k, val === null ? '' : String(val)]),
  );
}

function volume(v: unknown, dir: string): ComposeVolume {
  if (typeof v !== 'string') {
    const long = v as { type: 'volume' | 'bind'; source: string; target: string; read_only?: boolean };
    const source = long.type === 'bind' ? resolve(dir, long.source) : long.source;
    return { type: long.type, source, target: long.target, readOnly: long.read_only === true };
  }
  const [source = '', target = '', mode = ''] = v.split(':');
  const bind = source.startsWith('.') || isAbsolute(source);
  return {
    type: bind ? 'bind' : 'volume',
    source: bind ? resolve(dir, source) : source,
    target,
    readOnly: mode.split(',').includes('ro'),
  };
}

function port(v: unknown): ComposePort {
  if (typeof v === 'number') return { target: v };
  if (typeof v === 'object' && v !== null) {
    const long = v as { target: number; published?: number | string };
    return { target: Number(long.target), ...(long.published ? { published: Number(long.published) } : {}) };
  }
  const parts = String(v).split(':');
  const target = Number(parts[parts.length - 1]?.split('/')[0]);
  const published = parts.length > 1 ? Number(parts[parts.length - 2]) : undefined;
  return { target, ...(published ? { published } : {}) };
}

function dependsOn(v: unknown): { service: string; condition: string }[] {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((s) => ({ service: String(s), condition: 'service_started' }));
  return Object.entries(v as Record<string, { condition?: string } | null>).map(([service, o]) => ({
    service,
    condition: o?.condition ?? 'service_started',
  }));
}

/** The parts of a Dockerfile the topology needs; `args` are the build args given (they win over ARG defaults). */
function readDockerfile(file: string, buildArgs: Record<string, string>): Dockerfile {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args: Record<string, string> = {};
  let stage: Dockerfile = { workdir: undefined, entrypoint: undefined, cmd: undefined, args, copies: [] };
  const expand = (s: string): string => interpolate(s, { ...args, ...buildArgs });
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const operand = line.slice(instruction.length).trim();
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stage = { workdir: undefined, entrypoint: undefined, cmd: undefined, args, copies: [] };
        break;
      case 'ARG': {
        const [name = '', value = ''] = operand.split('=');
        args[name] = value;
        break;
      }
      case 'WORKDIR':
        stage.workdir = expand(operand);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(operand) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(operand) as string[];
        break;
      case 'COPY':
        if (!rest.some((r) => r.startsWith('--from='))) {
          const [src = '', dest = ''] = rest.filter((r) => !r.startsWith('--'));
          stage.copies.push({ src: expand(src), dest: expand(dest) });
        }
        break;
    }
  }
  return { ...stage, args: { ...args, ...buildArgs } };
}

/** A service as the file has it (after interpolation), before normalising. */
interface RawService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: unknown };
  entrypoint?: unknown;
  command?: unknown;
  environment?: unknown;
  volumes?: unknown[];
  secrets?: unknown[];
  ports?: unknown[];
  expose?: unknown[];
  depends_on?: unknown;
  restart?: string;
  healthcheck?: { test?: unknown };
}

export function readComposeFile(file: string, env: Env): ComposeFile {
  const dir = dirname(resolve(file));
  const raw = parse(readFileSync(file, 'utf8'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
    secrets?: Record<string, { file: string }>;
  };
  const services = Object.entries(raw.services).map(([name, rawService]): ComposeService => {
    const s = interpolateAll(rawService, env) as RawService;
    const long = typeof s.build === 'string' ? { context: s.build } : s.build;
    const build = long
      ? {
          context: resolve(dir, long.context ?? '.'),
          dockerfile: long.dockerfile ?? 'Dockerfile',
          args: environment(long.args),
        }
      : undefined;
    return {
      name,
      image: s.image,
      build,
      dockerfile: build ? readDockerfile(resolve(build.context, build.dockerfile), build.args) : undefined,
      entrypoint: strings(s.entrypoint),
      command: strings(s.command),
      environment: environment(s.environment),
      volumes: (s.volumes ?? []).map((v) => volume(v, dir)),
      secrets: (s.secrets ?? []).map((v) =>
        typeof v === 'string' ? v : String((v as { source: string }).source),
      ),
      ports: (s.ports ?? []).map(port),
      expose: (s.expose ?? []).map(Number),
      dependsOn: dependsOn(s.depends_on),
      restart: s.restart,
      healthcheck: strings(s.healthcheck?.test),
    };
  });
  const secrets = Object.fromEntries(
    Object.entries(raw.secrets ?? {}).map(([name, s]) => [name, resolve(dir, interpolate(s.file, env))]),
  );
  return { dir, services, secrets };
}
