// Runs one probe once, as kubelet does: exec runs the command in the
// container through CRI ExecSync (exit 0 = success); httpGet sends a GET to
// the pod IP (or probe host) and port (200-399 = success, the first line of
// anything else is the output); tcpSocket succeeds when a connection opens.
// Every kind gives up after the probe's timeoutSeconds and counts as failure.
// Connections go through a Dialer, so the node's network (or a test's
// network namespace) decides how the pod is reached.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CriRuntimeService } from '../cri/index.ts';
import type { Container, Probe } from './pod-spec.ts';

/** Opens a TCP connection to host:port; rejects on failure or when `signal` aborts. */
export type Dialer = (host: string, port: number, signal: AbortSignal) => Promise<Duplex>;

export const tcpDialer: Dialer = (host, port, signal) =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });

export interface ProbeTarget {
  containerId: string;
  podIP: string;
  container: Pick<Container, 'name' | 'ports'>;
}

export interface ProbeOutcome {
  ok: boolean;
  /** What the probe saw: the command's output, the HTTP status, the connection error. */
  output: string;
}

/** A port number, or the container port with that name. */
export function probePort(port: number | string, container: Pick<Container, 'ports'>): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export class ProbeExecutor {
  readonly #cri: CriRuntimeService;
  readonly #dial: Dialer;

  constructor(cri: CriRuntimeService, dial: Dialer = tcpDialer) {
    this.#cri = cri;
    this.#dial = dial;
  }

  async run(
    probe: Probe,
    target: ProbeTarget,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      if (probe.exec) return await this.#exec(probe.exec.command ?? [], target, timeoutMs, deadline);
      if (probe.httpGet) return await this.#http(probe.httpGet, target, deadline);
      if (probe.tcpSocket) return await this.#tcp(probe.tcpSocket, target, deadline);
      return { ok: false, output: 'probe has no exec, httpGet or tcpSocket' };
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      const timedOut = deadline.aborted;
      return {
        ok: false,
        output: timedOut ? `timeout after ${timeoutMs}ms` : String((err as Error).message),
      };
    }
  }

  async #exec(cmd: string[], t: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const res = await this.#cri.execSync(t.containerId, cmd, seconds, {
      signal,
      timeoutMs: timeoutMs + 1000,
    });
    const output = Buffer.concat([res.stdout, res.stderr]).toString('utf8').slice(0, 1024);
    return {
      ok: res.exitCode === 0,
      output: res.exitCode === 0 ? output : `exit ${res.exitCode}: ${output}`,
    };
  }

  async #http(
    get: NonNullable<Probe['httpGet']>,
    t: ProbeTarget,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    const port = probePort(get.port, t.container);
    if (port === undefined) return { ok: false, output: `no container port named ${String(get.port)}` };
    if ((get.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') {
      return { ok: false, output: `scheme ${get.scheme ?? ''} is not supported (HTTP only)` };
    }
    const host = get.host || t.podIP;
    const socket = await this.#dial(host, port, signal);
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.31', Accept: '*/*' };
    for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
    const path = get.path?.startsWith('/') ? get.path : `/${get.path ?? ''}`;
    const code = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host, port, path, method: 'GET', headers, signal, createConnection: () => socket as never },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          res.once('end', () => socket.destroy());
        },
      );
      req.once('error', (err) => {
        socket.destroy();
        reject(err);
      });
      req.end();
    });
    return { ok: code >= 200 && code < 400, output: `HTTP ${code}` };
  }

  async #tcp(
    tcp: NonNullable<Probe['tcpSocket']>,
    t: ProbeTarget,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    const port = probePort(tcp.port, t.container);
    if (port === undefined) return { ok: false, output: `no container port named ${String(tcp.port)}` };
    const socket = await this.#dial(tcp.host || t.podIP, port, signal);
    socket.destroy();
    return { ok: true, output: `connected to port ${port}` };
  }
}
