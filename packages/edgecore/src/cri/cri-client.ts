// A client for the container runtime's CRI (runtime.v1) over its unix socket:
// RuntimeService.Version, ImageService ImageStatus / PullImage / ListImages /
// RemoveImage, and runtimeCall for the pod and container calls (typed in
// runtime-service.ts). Every failure is a KedgeError that names the
// socket: KEDGE_CRI_UNAVAILABLE when nothing answers on it, KEDGE_CRI_ERROR
// with the call and the gRPC status otherwise (context.detail holds just the
// status and the runtime's words). Calls take an AbortSignal
// (the call is cancelled on abort) and a deadline.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { KedgeError } from '@kedge/api';
import { parseCriEndpoint, type CriEndpoint } from './cri-endpoint.ts';
import { CRI_RUNTIME_V1_PROTO } from './runtime-v1-proto.ts';

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock` (or a bare absolute path). */
  endpoint: string;
  /** Deadline of every call but PullImage (default 10 s). */
  callTimeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the call's default deadline. */
  timeoutMs?: number;
}

export interface RuntimeVersion {
  /** The CRI version the runtime speaks, e.g. `v1`. */
  runtimeApiVersion: string;
  runtimeName: string;
  runtimeVersion: string;
}

export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Bytes. */
  size: number;
}

/** CRI AuthConfig: registry credentials for one pull. */
export interface CriAuth {
  username?: string;
  password?: string;
  /** base64 `user:password`. */
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface PullOptions extends CallOptions {
  auth?: CriAuth;
}

/** The RuntimeService calls runtimeCall takes (see runtime-v1-proto.ts). */
export type RuntimeMethod =
  | 'RunPodSandbox'
  | 'StopPodSandbox'
  | 'RemovePodSandbox'
  | 'PodSandboxStatus'
  | 'ListPodSandbox'
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ListContainers'
  | 'ContainerStatus'
  | 'ExecSync';

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryMethod = (req: unknown, options: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;

interface WireImage {
  id?: string;
  repoTags?: string[];
  repoDigests?: string[];
  size?: string;
}

/** Default deadline of a pull: an image of a few hundred MiB on a slow link. */
const PULL_TIMEOUT_MS = 30 * 60_000;

function loadServices(): { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } {
  const root = protobuf.parse(CRI_RUNTIME_V1_PROTO).root;
  const definition = protoLoader.fromJSON(root.toJSON(), { longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: {
      v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor };
    };
  };
  return { runtime: loaded.runtime.v1.RuntimeService, image: loaded.runtime.v1.ImageService };
}

export class CriClient {
  readonly endpoint: CriEndpoint;
  readonly #callTimeoutMs: number;
  readonly #runtime: grpc.Client;
  readonly #image: grpc.Client;

  constructor(o: CriClientOptions) {
    this.endpoint = parseCriEndpoint(o.endpoint);
    this.#callTimeoutMs = o.callTimeoutMs ?? 10_000;
    const services = loadServices();
    const credentials = grpc.credentials.createInsecure();
    // Unix sockets: no reconnect back-off worth keeping between calls of one task.
    const channelOptions = {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    };
    this.#runtime = new services.runtime(this.endpoint.target, credentials, channelOptions);
    this.#image = new services.image(this.endpoint.target, credentials, channelOptions);
  }

  async version(o: CallOptions = {}): Promise<RuntimeVersion> {
    const res = (await this.#call(this.#runtime, 'Version', { version: 'v1' }, o)) as RuntimeVersion;
    return {
      runtimeApiVersion: res.runtimeApiVersion,
      runtimeName: res.runtimeName,
      runtimeVersion: res.runtimeVersion,
    };
  }

  /** The image when the runtime has it, else undefined. */
  async imageStatus(image: string, o: CallOptions = {}): Promise<CriImage | undefined> {
    const res = (await this.#call(this.#image, 'ImageStatus', { image: { image } }, o, image)) as {
      image?: WireImage | null;
    };
    return res.image ? toImage(res.image) : undefined;
  }

  /** Pulls the image; resolves with the runtime's reference to it (its id). */
  async pullImage(image: string, o: PullOptions = {}): Promise<string> {
    const req = { image: { image }, ...(o.auth ? { auth: o.auth } : {}) };
    const res = (await this.#call(
      this.#image,
      'PullImage',
      req,
      { timeoutMs: PULL_TIMEOUT_MS, ...o },
      image,
    )) as {
      imageRef: string;
    };
    return res.imageRef;
  }

  async listImages(o: CallOptions = {}): Promise<CriImage[]> {
    const res = (await this.#call(this.#image, 'ListImages', {}, o)) as { images?: WireImage[] };
    return (res.images ?? []).map(toImage);
  }

  /** Removes the image; removing one the runtime does not have is not an error (CRI: idempotent). */
  async removeImage(image: string, o: CallOptions = {}): Promise<void> {
    await this.#call(this.#image, 'RemoveImage', { image: { image } }, o, image);
  }

  /**
   * One RuntimeService call with this client's deadline, cancellation and
   * coded errors; `subject` (`pod default/web`, `container 3f2a...`) is named
   * in the error message and context.
   */
  runtimeCall(method: RuntimeMethod, req: object, o: CallOptions = {}, subject?: string): Promise<unknown> {
    return this.#call(this.#runtime, method, req, o, subject, 'subject');
  }

  close(): void {
    this.#runtime.close();
    this.#image.close();
  }

  #call(
    client: grpc.Client,
    method: string,
    req: unknown,
    o: CallOptions,
    subject?: string,
    subjectKey = 'image',
  ): Promise<unknown> {
    const signal = o.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const timeoutMs = o.timeoutMs ?? this.#callTimeoutMs;
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new KedgeError('KEDGE_INTERNAL', `CRI client has no method ${method}`);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) reject(signal.reason as Error);
        else if (err) reject(this.#error(err, method, timeoutMs, subject, subjectKey));
        else resolve(res);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #error(
    err: grpc.ServiceError,
    method: string,
    timeoutMs: number,
    subject: string | undefined,
    subjectKey: string,
  ): KedgeError {
    const { endpoint } = this.endpoint;
    const context = {
      endpoint,
      call: method,
      grpcCode: err.code,
      ...(subject ? { [subjectKey]: subject } : {}),
    };
    const details = cleanDetails(err.details || err.message);
    if (err.code === grpc.status.UNAVAILABLE) {
      return new KedgeError(
        'KEDGE_CRI_UNAVAILABLE',
        `container runtime at ${endpoint} is not reachable: ${details}`,
        context,
        { cause: err },
      );
    }
    const what = subject ? `${method} ${subject}` : method;
    const detail =
      err.code === grpc.status.DEADLINE_EXCEEDED
        ? `no answer within ${Math.round(timeoutMs / 1000)}s`
        : `${grpc.status[err.code] ?? err.code}: ${details}`;
    return new KedgeError(
      'KEDGE_CRI_ERROR',
      `container runtime at ${endpoint}: ${what}: ${detail}`,
      { ...context, detail },
      { cause: err },
    );
  }
}

function toImage(w: WireImage): CriImage {
  return {
    id: w.id ?? '',
    repoTags: w.repoTags ?? [],
    repoDigests: w.repoDigests ?? [],
    size: Number(w.size ?? 0),
  };
}

/** grpc-js details, without its "Last error: Error:" wrapping and empty resolution notes. */
function cleanDetails(details: string): string {
  return details
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/^No connection established\. Last error: (?:Error: )?(.*?)\.?$/, '$1')
    .trim();
}
