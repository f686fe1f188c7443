// The HTTP side of the Kubernetes backend. @kubernetes/client-node reads the
// kubeconfig (or the pod's service account) and supplies the credentials for
// each request, so rotated tokens and exec plugins work; one undici Agent
// with keep-alive carries every request (the library's own request path
// builds a new connection pool per call). Bodies are parsed here and handed
// up as values; they are never logged.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';
import { errorMessage, KedgeError } from '@kedge/api';
import { systemClock, type Clock } from '@kedge/runtime';

export interface KubeConnectionOptions {
  /** A kubeconfig file; empty or omitted = $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST, /var/run/secrets/...). */
  inCluster?: boolean;
  /** Waits between throttled retries; default the system clock. */
  clock?: Clock;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Default application/json. */
  contentType?: string;
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  /** The parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
}

/** Non-watch requests: the API server's own timeout is 60 s. */
const REQUEST_TIMEOUT_MS = 70_000;
/** Tries of a request the API server throttles (429). */
const THROTTLED_ATTEMPTS = 5;

function loadConfig(o: KubeConnectionOptions): KubeConfig {
  const kc = new KubeConfig();
  const field = o.inCluster ? 'store.kubernetes.inCluster' : 'store.kubernetes.kubeconfig';
  const unloadable = (problem: string, cause?: unknown): KedgeError =>
    new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${field}: cannot load the Kubernetes client config: ${problem}`,
      { fields: [field], ...(o.kubeconfig ? { file: o.kubeconfig } : {}) },
      cause === undefined ? undefined : { cause },
    );
  const fallback = join(homedir(), '.kube', 'config');
  if (o.inCluster && !process.env.KUBERNETES_SERVICE_HOST) {
    throw unloadable('KUBERNETES_SERVICE_HOST is not set (not running in a pod?)');
  }
  if (!o.inCluster && !o.kubeconfig && !process.env.KUBECONFIG && !existsSync(fallback)) {
    throw unloadable(`empty, and neither $KUBECONFIG nor ${fallback} exists`);
  }
  try {
    if (o.inCluster) kc.loadFromCluster();
    else if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (err: unknown) {
    throw unloadable(errorMessage(err), err);
  }
  if (!kc.getCurrentCluster()) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `${field}: the kubeconfig names no current cluster`, {
      fields: [field],
    });
  }
  return kc;
}

/** What KubeConfig.applyToHTTPSOptions fills in: TLS material, headers, basic auth. */
type HttpsOptions = RequestOptions;

export class KubeTransport {
  /** The API server's URL, for messages. */
  readonly server: string;
  readonly #kc: KubeConfig;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #agent: Agent;
  readonly #clock: Clock;

  private constructor(kc: KubeConfig, server: string, agent: Agent, clock: Clock) {
    this.#kc = kc;
    this.#clock = clock;
    this.server = server;
    const url = new URL(server);
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#agent = agent;
  }

  static async open(o: KubeConnectionOptions): Promise<KubeTransport> {
    const kc = loadConfig(o);
    const server = kc.getCurrentCluster()?.server ?? '';
    const tls: HttpsOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const connect = {
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
      keepAlive: true,
      keepAliveInitialDelay: 30_000,
    } as Agent.Options['connect'];
    // HTTP/1.1: over HTTP/2 one request above the API server's body limit kills the shared connection
    // (NGHTTP2_ENHANCE_YOUR_CALM on every later request); over HTTP/1.1 it is a clean 413.
    const agent = new Agent({ connect, keepAliveTimeout: 30_000, allowH2: false });
    return new KubeTransport(kc, server, agent, o.clock ?? systemClock);
  }

  /** Credentials for one request, fresh each time (the token file may rotate). */
  async #headers(contentType: string | undefined): Promise<Record<string, string>> {
    const opts: HttpsOptions = {};
    await this.#kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (value !== undefined) headers[key] = String(value);
    }
    if (typeof opts.auth === 'string')
      headers['authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (contentType) headers['content-type'] = contentType;
    return headers;
  }

  #path(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return `${this.#prefix}${path}${qs ? `?${qs}` : ''}`;
  }

  async #dispatch(
    req: KubeRequest,
    timeouts: { headersTimeout: number; bodyTimeout: number },
  ): Promise<Dispatcher.ResponseData> {
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const contentType = body === undefined ? undefined : (req.contentType ?? 'application/json');
    try {
      return await this.#agent.request({
        origin: this.#origin,
        path: this.#path(req.path, req.query),
        method: req.method,
        headers: await this.#headers(contentType),
        ...(body !== undefined ? { body } : {}),
        signal: req.signal ?? null,
        ...timeouts,
      });
    } catch (err: unknown) {
      if (req.signal?.aborted) throw err;
      throw new KedgeError(
        'KEDGE_STORE_UNAVAILABLE',
        `${req.method} ${req.path}: cannot reach the API server ${this.server}: ${errorMessage(err)}`,
        { server: this.server },
        { cause: err },
      );
    }
  }

  /**
   * One request; the whole JSON body is read. 429 Too Many Requests (API
   * priority and fairness turned it away before handling it, so any verb is
   * safe to repeat) is retried after the server's Retry-After, a few times.
   */
  async send(req: KubeRequest): Promise<KubeResponse> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.#dispatch(req, {
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      if (res.statusCode !== 429 || attempt >= THROTTLED_ATTEMPTS) {
        return { status: res.statusCode, body: await readJson(res) };
      }
      await res.body.dump();
      const after = Number(res.headers['retry-after']);
      await this.#clock.sleep(
        Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 1000, 10_000),
        req.signal,
      );
    }
  }

  /**
   * A streaming GET (watch). On 200 the body is the caller's to read and
   * destroy; otherwise it has been read into `error`. No body timeout: the
   * watch keeps its own stall timer.
   */
  async stream(req: KubeRequest): Promise<{ status: number; body?: Readable; error?: unknown }> {
    const res = await this.#dispatch(req, { headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: 0 });
    if (res.statusCode === 200) return { status: 200, body: res.body };
    return { status: res.statusCode, error: await readJson(res) };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

async function readJson(res: Dispatcher.ResponseData): Promise<unknown> {
  const text = await res.body.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
