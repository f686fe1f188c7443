// HTTP requests from inside a pod on a local edge node, as a pod of that
// node would make them: the pod's network namespace is read from its
// container's OCI spec in the node's containerd, and a node process entered
// into it (nsenter --net) makes `count` GETs, each on a new connection (so
// each is balanced afresh by the service proxy), counting the answers.
import { execFile } from 'node:child_process';
import { KedgeError, type Pod } from '@kedge/api';
import type { LocalEdge } from '../local-edge.ts';

const NSENTER = '/usr/bin/nsenter';

const TALLY = `
const http = require('node:http');
const [url, n] = process.argv.slice(1);
const once = () => new Promise((resolve, reject) => {
  const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(body.trim()));
  });
  req.on('timeout', () => req.destroy(new Error('timed out')));
  req.on('error', reject);
});
(async () => {
  const counts = {};
  for (let i = 0; i < Number(n); i++) { const a = await once(); counts[a] = (counts[a] ?? 0) + 1; }
  process.stdout.write(JSON.stringify(counts));
})().catch((e) => { process.stderr.write(String(e.message)); process.exit(1); });
`;

/** The network namespace path of a running pod on `edge`. */
export async function podNetnsPath(edge: LocalEdge, pod: Pod): Promise<string> {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
  const raw = id && edge.containerd ? await edge.containerd.ctr(['containers', 'info', id]) : '{}';
  const info = JSON.parse(raw) as { Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
  const path = info.Spec?.linux?.namespaces?.find((n) => n.type === 'network')?.path;
  if (!path) {
    throw new KedgeError(
      'KEDGE_INTERNAL',
      `no network namespace for pod ${pod.metadata.name} on ${edge.name}`,
    );
  }
  return path;
}

/** `count` GETs of `url` from inside `pod`: how many answers had each body. */
export async function requestsFromPod(
  edge: LocalEdge,
  pod: Pod,
  url: string,
  count: number,
): Promise<Record<string, number>> {
  const netns = await podNetnsPath(edge, pod);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      NSENTER,
      [`--net=${netns}`, '--', process.execPath, '-e', TALLY, url, String(count)],
      { timeout: 60_000 + count * 5000 },
      (err, stdout, stderr) => {
        if (!err) resolve(stdout);
        else
          reject(
            new KedgeError(
              'KEDGE_INTERNAL',
              `requests to ${url} from ${pod.metadata.name} failed: ${stderr || err.message}`,
            ),
          );
      },
    );
  });
  return JSON.parse(out) as Record<string, number>;
}
