// One conversation with one repository of one registry (OCI distribution API
// over node's fetch). It owns authentication: a request goes out anonymously
// (or with what an earlier challenge asked for); a 401 answer's challenge
// decides between Basic credentials and the Bearer token flow (GET the realm
// with service and scope, Basic credentials when given), and the request is
// sent once more. Credentials and tokens never appear in errors.
import { KedgeError, type ErrorCode } from '@kedge/api';
import { z } from 'zod';
import { parseAuthChallenge, type AuthChallenge } from './auth-challenge.ts';
import { formatImageRef, type ImageRef } from './image-ref.ts';

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Basic credentials, sent only when the registry's challenge asks (directly, or to its token service). */
  auth?: RegistryAuth;
  /** Plain http instead of https. Default: true for loopback hosts (127.0.0.0/8, localhost, [::1]), else false. */
  insecure?: boolean;
  signal?: AbortSignal;
}

/** What fetch accepts as a request body (`BodyInit` is not a global type without the DOM lib). */
export type RequestBody = NonNullable<RequestInit['body']>;

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** A path below the registry (`/v2/...`) or an absolute URL (an upload Location). */
  url: string;
  /** What is being done, for errors: `GET manifest v0.2.0`. */
  what: string;
  headers?: Record<string, string>;
  /** Called for every attempt, so a body can be sent again after an auth challenge. */
  body?: () => RequestBody;
}

const MAX_ERROR_BODY = 4096;

const TokenResponseSchema = z.looseObject({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
});

export function isLoopbackHost(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function basicHeader(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function causeMessage(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Reads at most `limit` bytes of a response body; more is an error (a manifest is never that big). */
export async function readLimited(
  res: Response,
  limit: number,
  onTooLarge: () => Error,
): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > limit) {
      await res.body.cancel();
      throw onTooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class RegistrySession {
  readonly ref: ImageRef;
  readonly baseUrl: string;
  readonly signal: AbortSignal | undefined;
  readonly #auth: RegistryAuth | undefined;
  /** The Authorization header the last challenge called for. */
  #authorization: string | undefined;

  constructor(ref: ImageRef, options: RegistryOptions = {}) {
    this.ref = ref;
    const insecure = options.insecure ?? isLoopbackHost(ref.registry);
    this.baseUrl = `${insecure ? 'http' : 'https'}://${ref.registry}`;
    this.signal = options.signal;
    this.#auth = options.auth;
  }

  /** `registry 127.0.0.1:5000, repository kedge/installation-package`, the prefix of every error. */
  get label(): string {
    return `registry ${this.ref.registry}, repository ${this.ref.repository}`;
  }

  context(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      registry: this.ref.registry,
      repository: this.ref.repository,
      image: formatImageRef(this.ref),
      ...extra,
    };
  }

  repoPath(suffix: string): string {
    return `/v2/${this.ref.repository}/${suffix}`;
  }

  /** Sends the request, answering one auth challenge; resolves with any response but a final 401. */
  async send(request: RegistryRequest): Promise<Response> {
    const url = new URL(request.url, this.baseUrl);
    const sameOrigin = url.origin === new URL(this.baseUrl).origin;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...request.headers };
      const sentAuthorization = sameOrigin ? this.#authorization : undefined;
      if (sentAuthorization !== undefined) headers.authorization = sentAuthorization;
      const res = await this.#fetch(url, request, headers);
      if (res.status !== 401) return res;
      const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
      await res.body?.cancel();
      if (attempt > 0 || !sameOrigin) throw this.#authError(request.what, sentAuthorization, challenge);
      await this.#answer(challenge, request.what, sentAuthorization);
    }
  }

  /** send(), then an error naming the status unless it is one of `ok`. */
  async expect(request: RegistryRequest, ok: readonly number[]): Promise<Response> {
    const res = await this.send(request);
    if (ok.includes(res.status)) return res;
    throw await this.statusError(res, request.what);
  }

  /** An error for an unexpected status, with the registry's own error code and message when it sent one. */
  async statusError(res: Response, what: string): Promise<KedgeError> {
    let detail = '';
    try {
      const text = Buffer.from(
        await readLimited(
          res,
          MAX_ERROR_BODY,
          () =>
            new KedgeError('KEDGE_OCI_REGISTRY_ERROR', `${what}: error body over ${MAX_ERROR_BODY} bytes`),
        ),
      ).toString('utf8');
      const parsed = z
        .object({
          errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })),
        })
        .safeParse(JSON.parse(text));
      detail = parsed.success
        ? parsed.data.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')
        : text.trim().slice(0, 200);
    } catch {
      // No readable body: the status alone must do.
    }
    const code: ErrorCode =
      res.status === 404
        ? 'KEDGE_OCI_NOT_FOUND'
        : res.status === 401 || res.status === 403
          ? 'KEDGE_OCI_AUTH_FAILED'
          : 'KEDGE_OCI_REGISTRY_ERROR';
    return new KedgeError(
      code,
      `${this.label}: ${what}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`,
      this.context({ status: res.status }),
    );
  }

  async #fetch(url: URL, request: RegistryRequest, headers: Record<string, string>): Promise<Response> {
    try {
      const init: RequestInit = { method: request.method, headers, redirect: 'follow' };
      if (this.signal) init.signal = this.signal;
      if (request.body) {
        init.body = request.body();
        init.duplex = 'half';
      }
      return await fetch(url, init);
    } catch (err: unknown) {
      if (this.signal?.aborted) throw err;
      throw new KedgeError(
        'KEDGE_OCI_REGISTRY_ERROR',
        `${this.label}: ${request.what}: cannot reach ${url.origin}: ${causeMessage(err)}`,
        this.context(),
        { cause: err },
      );
    }
  }

  async #answer(challenge: AuthChallenge | undefined, what: string, sent: string | undefined): Promise<void> {
    if (challenge?.scheme === 'basic') {
      if (!this.#auth || sent?.startsWith('Basic ')) throw this.#authError(what, sent, challenge);
      this.#authorization = basicHeader(this.#auth);
      return;
    }
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      this.#authorization = `Bearer ${await this.#fetchToken(challenge.params, what)}`;
      return;
    }
    throw this.#authError(what, sent, challenge);
  }

  async #fetchToken(params: Record<string, string>, what: string): Promise<string> {
    const realm = URL.parse(params.realm ?? '');
    if (realm === null || (realm.protocol !== 'https:' && realm.protocol !== 'http:')) {
      throw new KedgeError(
        'KEDGE_OCI_AUTH_FAILED',
        `${this.label}: ${what}: the registry named a token service that is not an http(s) URL`,
        this.context(),
      );
    }
    const where = `token service ${realm.origin}${realm.pathname}`;
    if (params.service) realm.searchParams.set('service', params.service);
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean))
      realm.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (this.#auth) headers.authorization = basicHeader(this.#auth);
    let res: Response;
    try {
      const init: RequestInit = { headers };
      if (this.signal) init.signal = this.signal;
      res = await fetch(realm, init);
    } catch (err: unknown) {
      if (this.signal?.aborted) throw err;
      throw new KedgeError(
        'KEDGE_OCI_AUTH_FAILED',
        `${this.label}: ${what}: cannot reach ${where}: ${causeMessage(err)}`,
        this.context(),
        { cause: err },
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      const why = this.#auth ? 'the credentials were rejected' : 'it wants credentials and none were given';
      throw new KedgeError(
        'KEDGE_OCI_AUTH_FAILED',
        `${this.label}: ${what}: ${where} answered HTTP ${res.status}${res.status === 401 || res.status === 403 ? `: ${why}` : ''}`,
        this.context({ status: res.status }),
      );
    }
    const body = TokenResponseSchema.safeParse(
      await res.json().catch(() => undefined), // parse failures are reported just below
    );
    const token = body.success ? (body.data.token ?? body.data.access_token) : undefined;
    if (token === undefined) {
      throw new KedgeError(
        'KEDGE_OCI_AUTH_FAILED',
        `${this.label}: ${what}: ${where} answered without a token`,
        this.context(),
      );
    }
    return token;
  }

  #authError(what: string, sent: string | undefined, challenge: AuthChallenge | undefined): KedgeError {
    const scheme = challenge
      ? challenge.scheme[0]?.toUpperCase() + challenge.scheme.slice(1)
      : 'no usable challenge';
    let why: string;
    if (sent === undefined) {
      why = `the registry wants credentials (${scheme}) and none were given`;
    } else if (sent.startsWith('Basic ')) {
      why = 'the registry rejected the credentials given';
    } else if (!this.#auth) {
      why = `the registry wants credentials (${scheme}) and none were given: an anonymous token does not grant access`;
    } else {
      why = `the registry refused the token it issued${challenge?.params.scope ? ` for ${challenge.params.scope}` : ''}`;
    }
    return new KedgeError(
      'KEDGE_OCI_AUTH_FAILED',
      `${this.label}: ${what}: HTTP 401, ${why}`,
      this.context({ status: 401 }),
    );
  }
}
