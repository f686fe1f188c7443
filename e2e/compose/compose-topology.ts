// docker-compose.yml run as processes on this machine: for each service the
// command its image would run (Dockerfile ENTRYPOINT + the compose command),
// its environment, its config files and what its image holds, with the
// container-to-process rewrites of compose-rewrite.ts. What each kind of
// service becomes:
//   - a built image whose entrypoint is `node packages/...` (the workspace at
//     WORKDIR): that script of this checkout;
//   - a built image whose entrypoint is `node <root>/launcher/launcher.mjs`:
//     an edge node, its install root made by `keadm edge install` of the
//     release of build arg KEDGE_VERSION (built from this workspace, as the
//     Dockerfile does);
//   - image registry:N: the Distribution registry (Debian's docker-registry);
//   - `restart:` set: run under kedge's supervisor, which restarts it as
//     Docker would;
//   - named volumes: directories under <dir>/volumes, shared by the services
//     that mount them, seeded from the image (COPY, install root) when empty;
//   - depends_on with condition service_healthy: the service's own
//     healthcheck command, run until it passes.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LocalProcess, LocalReleases, installEdge, type PublishedRelease } from '@kedge/localup';
import { freePort, waitFor } from '@kedge/testing';
import { readComposeFile, type ComposeFile, type ComposeService } from './compose-file.ts';
import { hostPathOf, rewriteForProcess, rewritePaths, type RewriteContext } from './compose-rewrite.ts';

const run = promisify(execFile);

export interface ComposeTopologyOptions {
  file: string;
  /** Work directory: volumes, rewritten configs. */
  dir: string;
  /** What docker-compose would interpolate the file with (the shell's environment and .env). */
  env: Record<string, string>;
  /** Compose secret name -> the file to use instead of the one the compose file names. */
  secretFiles?: Record<string, string>;
}

/** The line each daemon logs once it serves, by entrypoint script. */
const READY_LINES: [RegExp, RegExp][] = [
  [/cloudcore\/src\/main\.ts$/, /"cloudcore started"/],
  [/controllermanager\/src\/main\.ts$/, /"controllermanager started"/],
  [/\/launcher\/launcher\.mjs$/, /"edgecore started"/],
];

export class ComposeTopology {
  readonly compose: ComposeFile;
  readonly processes = new Map<string, LocalProcess>();
  releases: LocalReleases | undefined;
  private readonly o: ComposeTopologyOptions;
  private readonly ports = new Map<string, number>();
  private readonly loopback = new Map<string, number>();
  private readonly published = new Map<string, PublishedRelease>();

  private constructor(o: ComposeTopologyOptions) {
    this.o = o;
    this.compose = readComposeFile(o.file, o.env);
  }

  static async load(o: ComposeTopologyOptions): Promise<ComposeTopology> {
    const t = new ComposeTopology(o);
    for (const s of t.compose.services) {
      if (!s.build) continue; // image-only services get their port when they start
      for (const target of [...s.ports.map((p) => p.target), ...s.expose])
        t.ports.set(`${s.name}:${target}`, await freePort());
    }
    return t;
  }

  service(name: string): ComposeService {
    const s = this.compose.services.find((x) => x.name === name);
    if (!s) throw new Error(`${this.o.file}: no service ${name}`);
    return s;
  }

  /** `service:port` as the private network names it -> its loopback address here. */
  address(serviceAddress: string): string {
    const port = this.ports.get(serviceAddress);
    if (port === undefined) throw new Error(`${serviceAddress} is not published or exposed`);
    return `127.0.0.1:${port}`;
  }

  /** The loopback port a service's own 127.0.0.1:<port> became (e.g. an edge's metaServer). */
  loopbackPort(service: string, port: number): number {
    const found = this.ports.get(`${service}:${port}`) ?? this.loopback.get(`${service}:${port}`);
    if (found === undefined) throw new Error(`${service} uses no port ${port}`);
    return found;
  }

  /** Where a service's container path lives on this machine. */
  hostPath(service: string, path: string): string {
    const found = hostPathOf(path, this.mounts(this.service(service)));
    if (found === undefined) throw new Error(`${service}: ${path} is on no volume`);
    return found;
  }

  /** The release of `version` built from this workspace and pushed to the registry service. */
  async release(version: string): Promise<PublishedRelease> {
    if (!this.releases) throw new Error('the compose file has no registry service');
    let r = this.published.get(version);
    if (!r) {
      r = await this.releases.publish(version);
      this.published.set(version, r);
    }
    return r;
  }

  /** Starts every service, image-only ones first, then in depends_on order. */
  async start(): Promise<void> {
    const started = new Set<string>();
    const pending = [...this.compose.services].sort(
      (a, b) => Number(Boolean(a.build)) - Number(Boolean(b.build)),
    );
    while (pending.length > 0) {
      const i = pending.findIndex((s) => s.dependsOn.every((d) => started.has(d.service)));
      if (i < 0) throw new Error(`depends_on cycle among ${pending.map((s) => s.name).join(', ')}`);
      const [s] = pending.splice(i, 1);
      if (!s) break;
      for (const d of s.dependsOn.filter((x) => x.condition === 'service_healthy'))
        await this.healthy(d.service);
      await this.startService(s);
      started.add(s.name);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    await this.releases?.stop();
  }

  private async startService(s: ComposeService): Promise<void> {
    if (!s.build) {
      if (!/^registry(:|$)/.test(s.image ?? ''))
        throw new Error(`${s.name}: no process for image ${s.image}`);
      this.releases = await LocalReleases.start(this.o.dir);
      for (const p of s.ports) this.ports.set(`${s.name}:${p.target}`, this.releases.registry.port);
      return;
    }
    const df = s.dockerfile;
    const argv = [...(s.entrypoint ?? df?.entrypoint ?? []), ...(s.command ?? df?.cmd ?? [])];
    const [program, script = '', ...args] = argv;
    if (program !== 'node') throw new Error(`${s.name}: runs ${program}, not node`);
    const mounts = this.mounts(s);
    const ctx = this.rewriteContext(s, mounts);
    const at = args.indexOf('--config');
    const configArg = at >= 0 ? args[at + 1] : undefined;
    await this.seedImage(s, ctx, configArg ? rewritePaths(configArg, mounts) : undefined);
    const scriptPath = script.startsWith('/') ? this.mapped(s, script, mounts) : script; // relative: the workspace
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.environment)) env[k] = await rewriteForProcess(v, ctx);
    const nodeArgs = [scriptPath, ...(await Promise.all(args.map((a) => rewriteForProcess(a, ctx))))];
    const ready = READY_LINES.find(([re]) => re.test(script))?.[1];
    if (!ready) throw new Error(`${s.name}: no ready line known for ${script}`);
    const supervised = s.restart && s.restart !== 'no';
    const processArgs = supervised
      ? ['packages/installer/src/supervisor/main.ts', '--restart-delay-ms', '200', '--', ...nodeArgs]
      : nodeArgs;
    const p = new LocalProcess(s.name, processArgs, ready, env);
    await p.start();
    this.processes.set(s.name, p);
  }

  /** Runs the service's healthcheck (CMD node ...) until it passes. */
  private async healthy(name: string): Promise<void> {
    const s = this.service(name);
    const [kind, program, ...args] = s.healthcheck ?? [];
    if (kind === undefined) return;
    if (kind !== 'CMD' || program !== 'node')
      throw new Error(`${name}: healthcheck ${kind} ${program} is not CMD node`);
    const ctx = this.rewriteContext(s, this.mounts(s));
    const rewritten = await Promise.all(args.map((a) => rewriteForProcess(a, ctx)));
    await waitFor(
      async () => {
        try {
          await run(process.execPath, rewritten, { timeout: 5_000 });
          return true;
        } catch {
          return false;
        }
      },
      { what: `${name} healthy`, timeoutMs: 30_000, intervalMs: 250 },
    );
  }

  /** Container path -> host path for a service's volumes, bind mounts and secrets. */
  private mounts(s: ComposeService): Map<string, string> {
    const m = new Map<string, string>();
    for (const v of s.volumes) {
      m.set(
        v.target,
        v.type === 'volume' ? join(this.o.dir, 'volumes', v.source) : this.bindCopy(s, v.target),
      );
    }
    for (const name of s.secrets) {
      const file = this.o.secretFiles?.[name] ?? this.compose.secrets[name];
      if (!file) throw new Error(`${s.name}: no file for secret ${name}`);
      m.set(`/run/secrets/${name}`, file);
    }
    return m;
  }

  private rewriteContext(s: ComposeService, mounts: Map<string, string>): RewriteContext {
    return { service: s.name, ports: this.ports, loopback: this.loopback, mounts };
  }

  /** Where a bind-mounted file's rewritten copy goes. */
  private bindCopy(s: ComposeService, target: string): string {
    return join(this.o.dir, 'services', s.name, 'binds', target);
  }

  private mapped(s: ComposeService, path: string, mounts: Map<string, string>): string {
    const host = hostPathOf(path, mounts);
    if (host === undefined) throw new Error(`${s.name}: ${path} is on no volume`);
    return host;
  }

  /** Bind-mounted files (rewritten), the image's COPY files and install root, into their volumes. */
  private async seedImage(
    s: ComposeService,
    ctx: RewriteContext,
    configFile: string | undefined,
  ): Promise<void> {
    for (const v of s.volumes.filter((x) => x.type === 'volume'))
      mkdirSync(join(this.o.dir, 'volumes', v.source), { recursive: true });
    for (const v of s.volumes.filter((x) => x.type === 'bind')) {
      if (!statSync(v.source).isFile()) throw new Error(`${s.name}: bind mount ${v.source} is not a file`);
      await this.writeRewritten(v.source, this.bindCopy(s, v.target), ctx);
    }
    const df = s.dockerfile;
    if (!df || !s.build) return;
    for (const c of df.copies) {
      const host = hostPathOf(c.dest, ctx.mounts);
      if (host === undefined || existsSync(host)) continue; // not on a volume, or the volume has it already
      await this.writeRewritten(resolve(s.build.context, c.src), host, ctx);
    }
    const launcher = /^(\/.+)\/launcher\/launcher\.mjs$/.exec(df.entrypoint?.[1] ?? '');
    if (launcher?.[1]) {
      const root = hostPathOf(launcher[1], ctx.mounts);
      if (root === undefined) throw new Error(`${s.name}: install root ${launcher[1]} is on no volume`);
      if (readdirSync(root).length > 0) return;
      const version = df.args.KEDGE_VERSION;
      if (!version) throw new Error(`${s.name}: no KEDGE_VERSION build arg`);
      await installEdge(root, (await this.release(version)).dir, configFile ?? join(root, 'edgecore.yaml'));
    }
  }

  private async writeRewritten(src: string, dest: string, ctx: RewriteContext): Promise<void> {
    mkdirSync(dirname(dest), { recursive: true });
    if (!/\.(ya?ml|json|conf)$/.test(basename(src))) {
      copyFileSync(src, dest);
      return;
    }
    writeFileSync(dest, await rewriteForProcess(readFileSync(src, 'utf8'), ctx));
  }
}
