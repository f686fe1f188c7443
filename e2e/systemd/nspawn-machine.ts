// A Debian machine booted with systemd-nspawn: systemd is its PID 1, the
// root filesystem (scripts/build-systemd-rootfs.sh) is mounted read-only
// with a tmpfs overlay (--volatile=overlay), so nothing a test does inside
// reaches the cached rootfs. It shares the host's network (127.0.0.1 is the
// host's), and runs in a cgroup of its own that stop() removes.
// Commands run inside through nsenter on its PID 1 (no machined needed).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@kedge/testing';

const run = promisify(execFile);
/**
 * The cgroup hierarchies systemd uses: /sys/fs/cgroup itself on a cgroup v2 host; on a hybrid one
 * (these CI machines: v1 controllers, name=systemd and a v2 tree at unified/) the last two.
 */
function cgroupRoots(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((dir) => existsSync(dir));
}
const PATH_INSIDE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface NspawnBind {
  host: string;
  /** Path inside (default the same as on the host). */
  dest?: string;
}

interface NspawnOptions {
  rootfs: string;
  /** Machine (and cgroup) name. */
  name: string;
  /** Read-only bind mounts. */
  readOnly?: NspawnBind[];
}

export class NspawnMachine {
  readonly name: string;
  /** The host's pid of the machine's PID 1 (systemd). */
  readonly leader: number;
  /** Everything nspawn and the machine's console printed. */
  readonly console: () => string;
  readonly #nspawn: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #cgroups: string[];

  private constructor(
    name: string,
    leader: number,
    nspawn: ChildProcess,
    exited: Promise<void>,
    cgroups: string[],
    output: () => string,
  ) {
    this.name = name;
    this.leader = leader;
    this.#nspawn = nspawn;
    this.#exited = exited;
    this.#cgroups = cgroups;
    this.console = output;
  }

  /** Boots the machine; resolves once `systemctl is-system-running` says running (or degraded). */
  static async boot(o: NspawnOptions): Promise<NspawnMachine> {
    const cgroups = cgroupRoots().map((root) => join(root, `kedge-e2e-${o.name}`));
    for (const dir of cgroups) mkdirSync(dir, { recursive: true });
    const binds = (o.readOnly ?? []).map((b) => `--bind-ro=${b.host}:${b.dest ?? b.host}`);
    const nspawnArgs = [
      '--quiet',
      '--register=no', // no machined on this host
      '--keep-unit', // no transient scope (that needs the host's systemd): the cgroup below
      '--volatile=overlay',
      `--directory=${o.rootfs}`,
      `--machine=${o.name}`,
      '--console=read-only',
      ...binds,
      '--boot',
    ];
    // nspawn runs inside the machine's own cgroups: moved there before exec.
    const enter = cgroups.map((dir) => `echo $$ > ${dir}/cgroup.procs`).join(' && ');
    const child = spawn('sh', ['-c', `${enter} && exec systemd-nspawn "$@"`, 'nspawn', ...nspawnArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const nspawnPid = child.pid;
    if (nspawnPid === undefined) throw new Error(`systemd-nspawn did not start: ${output}`);

    const leader = await waitFor(() => (child.exitCode === null ? containerInit(nspawnPid) : -1), {
      what: `the PID 1 of machine ${o.name}`,
      timeoutMs: 30_000,
    }).catch(() => -1);
    if (leader < 0) {
      child.kill('SIGKILL');
      await exited;
      for (const dir of cgroups) removeCgroupTree(dir);
      throw new Error(`systemd-nspawn did not boot ${o.name}: ${output.slice(-2000)}`);
    }
    const machine = new NspawnMachine(o.name, leader, child, exited, cgroups, () => output);
    // A test process that exits without stop() takes the machine with it (SIGKILL to its PID 1 ends
    // the whole pid namespace; its empty cgroups stay behind: rmdir needs the processes gone).
    const killOnExit = (): void => {
      killIfAlive(leader);
      killIfAlive(nspawnPid);
    };
    process.once('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));
    await waitFor(
      async () => {
        const r = await machine
          .exec(['sh', '-c', 'systemctl is-system-running || true'])
          .catch(() => undefined);
        return r && /^(running|degraded)$/m.test(r.stdout) ? true : undefined;
      },
      { what: `${o.name} booted`, timeoutMs: 60_000, intervalMs: 500 },
    ).catch(async (err: unknown) => {
      await machine.stop();
      throw new Error(`${String(err)}; console:\n${machine.console().slice(-2000)}`);
    });
    return machine;
  }

  /** Runs a command inside (all the machine's namespaces); rejects on a non-zero exit. */
  async exec(
    argv: string[],
    options: { timeoutMs?: number } = {},
  ): Promise<{ stdout: string; stderr: string }> {
    return run('nsenter', ['--target', String(this.leader), '--all', '--', ...argv], {
      env: { PATH: PATH_INSIDE, LANG: 'C.UTF-8' },
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  /** A path inside the machine, as the host reaches it. */
  path(inside: string): string {
    return join(`/proc/${this.leader}/root`, inside);
  }

  readFile(inside: string): string {
    return readFileSync(this.path(inside), 'utf8');
  }

  /** Powers the machine off (nspawn turns SIGTERM into a clean shutdown), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.#nspawn.exitCode === null && this.#nspawn.signalCode === null) {
      this.#nspawn.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.#nspawn.kill('SIGKILL');
        killIfAlive(this.leader);
      }, 30_000);
      await this.#exited;
      clearTimeout(timer);
    }
    for (const dir of this.#cgroups) removeCgroupTree(dir);
  }
}

/** The pid (host's view) of nspawn's child that is PID 1 of a new pid namespace. */
function containerInit(nspawnPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const ppid = /^PPid:\s+(\d+)$/m.exec(status)?.[1];
    const nspid = /^NSpid:\s+([\d\s]+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (ppid === String(nspawnPid) && nspid && nspid.length > 1 && nspid.at(-1) === '1') {
      return Number(entry);
    }
  }
  return undefined;
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** rmdir a cgroup and the ones the machine's systemd made under it, deepest first. */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch (err: unknown) {
    process.stderr.write(`nspawn-machine: could not remove cgroup ${dir}: ${String(err)}\n`);
  }
}
