// The request line of a logs endpoint call:
// GET /logs/namespaces/<ns>/pods/<pod>?container=C&follow=true&tailLines=N.
import { KedgeError } from '@kedge/api';

export interface LogsQuery {
  namespace: string;
  pod: string;
  container: string | undefined;
  follow: boolean;
  tailLines: number | undefined;
}

const PATH = /^\/logs\/namespaces\/([^/]+)\/pods\/([^/]+)$/;

function bad(message: string): KedgeError {
  return new KedgeError('KEDGE_LOGS_BAD_REQUEST', message);
}

export function parseLogsQuery(method: string | undefined, rawUrl: string | undefined): LogsQuery {
  if (method !== 'GET') throw bad(`method ${method ?? ''} not allowed (GET only)`);
  const url = new URL(rawUrl ?? '/', 'http://logs.invalid');
  const match = PATH.exec(url.pathname);
  if (!match?.[1] || !match[2]) throw bad(`unknown path ${url.pathname}`);
  const tail = url.searchParams.get('tailLines');
  if (tail !== null && !/^\d{1,9}$/.test(tail))
    throw bad(`tailLines: expected a whole number, got "${tail}"`);
  const follow = url.searchParams.get('follow');
  if (follow !== null && follow !== 'true' && follow !== 'false') {
    throw bad(`follow: expected true or false, got "${follow}"`);
  }
  return {
    namespace: decodeURIComponent(match[1]),
    pod: decodeURIComponent(match[2]),
    container: url.searchParams.get('container') ?? undefined,
    follow: follow === 'true',
    tailLines: tail === null ? undefined : Number(tail),
  };
}
