// kedgectl logs POD [-c C] [-f] [--tail N]: finds the cloudcore replica that
// holds the pod's node (the Node's `cloudcore` annotation) and that
// replica's logs endpoint (published in the store, LOGS_ENDPOINTS_SECRET),
// then streams the container's log from it to stdout as it arrives. Ctrl-C
// ends a follow; so does the pod's deletion (cloudcore ends the stream).
import { request, type IncomingMessage } from 'node:http';
import {
  ERROR_CODES,
  KedgeError,
  LOGS_ENDPOINTS_SECRET,
  LogsEndpointSchema,
  NodeAnnotations,
  errorMessage,
  isKedgeError,
  logsPath,
  logsTarget,
  secretValue,
  type ErrorCode,
  type LogsEndpoint,
} from '@kedge/api';
import { withStore, type CommandContext } from '../context.ts';

export interface LogsOptions {
  pod: string;
  container: string | undefined;
  follow: boolean;
  tailLines: number | undefined;
}

function unreachable(node: string, why: string): KedgeError {
  return new KedgeError('KEDGE_LOGS_NODE_UNREACHABLE', `node ${node} is offline: ${why}`, { node });
}

async function findEndpoint(
  ctx: CommandContext,
  namespace: string,
  options: LogsOptions,
): Promise<{ endpoint: LogsEndpoint; container: string }> {
  return withStore(ctx, { create: false }, async (store) => {
    const pod = await store.get('Pod', options.pod, namespace);
    const { node, container } = logsTarget(pod, { namespace, pod: options.pod }, options.container);
    const replica = (await store.get('Node', node))?.metadata.annotations?.[NodeAnnotations.cloudcore];
    if (!replica) throw unreachable(node, 'it is not connected to any cloudcore');
    const secret = await store.get('Secret', LOGS_ENDPOINTS_SECRET.name, LOGS_ENDPOINTS_SECRET.namespace);
    const raw = secret ? secretValue(secret, replica) : undefined;
    const parsed = LogsEndpointSchema.safeParse(raw === undefined ? undefined : safeJson(raw));
    if (!parsed.success) {
      throw unreachable(node, `its cloudcore ${replica} is not running or serves no logs endpoint`);
    }
    return { endpoint: parsed.data, container };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A coded error from the endpoint's JSON body or trailer. */
function remoteError(text: string | undefined, fallback: string): KedgeError {
  const body = safeJson(text ?? '') as { code?: unknown; message?: unknown } | undefined;
  const code =
    typeof body?.code === 'string' && Object.hasOwn(ERROR_CODES, body.code)
      ? (body.code as ErrorCode)
      : undefined;
  return new KedgeError(
    code ?? 'KEDGE_INTERNAL',
    typeof body?.message === 'string' ? body.message : fallback,
  );
}

export async function runLogs(ctx: CommandContext, options: LogsOptions): Promise<number> {
  const namespace = ctx.namespace ?? 'default';
  const { endpoint, container } = await findEndpoint(ctx, namespace, options);
  const url = new URL(logsPath(namespace, options.pod), endpoint.url);
  url.searchParams.set('container', container);
  if (options.follow) url.searchParams.set('follow', 'true');
  if (options.tailLines !== undefined) url.searchParams.set('tailLines', String(options.tailLines));
  const signal = ctx.io.signal;
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      request(url, { headers: { authorization: `Bearer ${endpoint.token}` }, signal }, resolve)
        .on('error', reject)
        .end();
    });
    res.setEncoding('utf8');
    if (res.statusCode !== 200) {
      let body = '';
      for await (const piece of res) body += piece as string;
      throw remoteError(body, `cloudcore answered HTTP ${res.statusCode}`);
    }
    for await (const piece of res) ctx.io.stdout.write(piece as string);
    const trailer = res.trailers['x-kedge-error'];
    if (trailer) throw remoteError(trailer, 'the logs stream failed');
    return 0;
  } catch (err: unknown) {
    if (signal.aborted) return 0; // Ctrl-C ends a follow
    if (isKedgeError(err)) throw err;
    throw new KedgeError(
      'KEDGE_LOGS_NODE_UNREACHABLE',
      `cloudcore logs endpoint ${endpoint.url} is not answering: ${errorMessage(err)}`,
      {},
      { cause: err },
    );
  }
}
