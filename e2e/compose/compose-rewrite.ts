// How a container's view of the world becomes a process's on this machine:
// every service shares the host's loopback, so the addresses and paths in a
// service's configs, environment and command line are rewritten, always by
// the same rules:
//   1. 127.0.0.1:P / localhost:P: the container's own loopback. P published
//      or exposed by the service -> its host port; any other P -> a free port
//      of the service's own (so three edges' metaServers do not collide).
//   2. <service>:P for a port that service publishes or exposes -> 127.0.0.1
//      and its host port (the private network's DNS).
//   3. 0.0.0.0 -> 127.0.0.1 (listen on loopback only).
//   4. `port: P` for a port the service itself publishes or exposes -> its
//      host port (a listener's own port in its YAML config).
//   5. A path under a volume, bind mount or secret -> where that lives on
//      this machine.
import { freePort } from '@kedge/testing';

export interface RewriteContext {
  /** This service's name. */
  service: string;
  /** `<service>:<container port>` -> host port, for every published or exposed port. */
  ports: ReadonlyMap<string, number>;
  /** `<service>:<container port>` -> host port for container-loopback ports; filled as they are met. */
  loopback: Map<string, number>;
  /** Container path -> host path, for this service's mounts and secrets. */
  mounts: ReadonlyMap<string, string>;
}

const LOOPBACK = /\b(?:127\.0\.0\.1|localhost):(\d{1,5})\b/g;
const SERVICE_ADDRESS = /\b([a-z0-9][a-z0-9_.-]*):(\d{1,5})\b/g;

export async function rewriteForProcess(text: string, ctx: RewriteContext): Promise<string> {
  for (const [, p] of text.matchAll(LOOPBACK)) {
    const key = `${ctx.service}:${p}`;
    if (!ctx.ports.has(key) && !ctx.loopback.has(key)) ctx.loopback.set(key, await freePort());
  }
  let out = text.replace(LOOPBACK, (_m, p: string) => {
    const key = `${ctx.service}:${p}`;
    return `127.0.0.1:${ctx.ports.get(key) ?? ctx.loopback.get(key)}`;
  });
  out = out.replace(SERVICE_ADDRESS, (m, host: string, p: string) => {
    const mapped = ctx.ports.get(`${host}:${p}`);
    return mapped === undefined ? m : `127.0.0.1:${mapped}`;
  });
  out = out.replaceAll('0.0.0.0', '127.0.0.1');
  out = out.replace(/^(\s*port:\s*)(\d{1,5})\b/gm, (m, key: string, p: string) => {
    const mapped = ctx.ports.get(`${ctx.service}:${p}`);
    return mapped === undefined ? m : `${key}${mapped}`;
  });
  return rewritePaths(out, ctx.mounts);
}

/** Rule 5 alone: container paths under a mount -> host paths (longest mount first). */
export function rewritePaths(text: string, mounts: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [target, host] of [...mounts].sort((a, b) => b[0].length - a[0].length)) {
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![\\w/.-])${escaped}(?=$|[/\\s'",\\]}])`, 'gm'), host);
  }
  return out;
}

/** The host path of a container path: under the longest mount that holds it, else undefined. */
export function hostPathOf(path: string, mounts: ReadonlyMap<string, string>): string | undefined {
  let best: [string, string] | undefined;
  for (const [target, host] of mounts) {
    if ((path === target || path.startsWith(`${target}/`)) && (!best || target.length > best[0].length)) {
      best = [target, host];
    }
  }
  return best ? best[1] + path.slice(best[0].length) : undefined;
}
