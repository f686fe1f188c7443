// Registry credentials from a `kubernetes.io/dockerconfigjson` Secret's
// `.dockerconfigjson`: `{"auths": {"<registry>": {"auth": base64("user:pass")}
// | {"username", "password"} | {"identitytoken"} | {"registrytoken"}}}`, turned
// into the CRI AuthConfig for an image's registry. (KubeEdge decodes the raw
// JSON straight into AuthConfig, which matches no field; we parse it.)
import { KedgeError } from '@kedge/api';
import { z } from 'zod';
import type { CriAuth } from './cri-client.ts';

const AuthEntrySchema = z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
  registrytoken: z.string().optional(),
});

const DockerConfigSchema = z.looseObject({ auths: z.record(z.string(), AuthEntrySchema) });

/** Registry host (normalised, see registryKey) -> credentials. */
export type RegistryCredentials = ReadonlyMap<string, CriAuth>;

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The host[:port] a config key or image names, lower-cased: scheme and path
 * dropped (`https://index.docker.io/v1/` -> `docker.io`), Docker Hub's
 * aliases folded into `docker.io`.
 */
export function registryKey(raw: string): string {
  const host = (raw.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '').toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/** The registry an image reference pulls from; Docker's rule: no host-like first component = Docker Hub. */
export function registryOfImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  return isHost ? registryKey(first) : 'docker.io';
}

/** Parses `.dockerconfigjson`; `what` names the source in errors (e.g. `secret default/regcred`). */
export function parseDockerConfig(text: string, what: string): RegistryCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: it would put credentials into the reason.
    throw invalid(`${what}: .dockerconfigjson is not valid JSON`);
  }
  const parsed = DockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${['.dockerconfigjson', ...i.path].join('.')}: ${i.message}`,
    );
    throw invalid(`${what}: ${problems.join('; ')}`);
  }
  const out = new Map<string, CriAuth>();
  for (const [key, entry] of Object.entries(parsed.data.auths)) {
    const server = registryKey(key);
    // No serverAddress: containerd reads it as a URL and silently drops credentials whose host differs
    // from the one it resolved (registry-1.docker.io for docker.io); the match was made here already.
    out.set(server, toCriAuth(entry, `${what}: .dockerconfigjson.auths.${key}`));
  }
  return out;
}

/** The credentials for the image's registry, if the config has some. */
export function authForImage(creds: RegistryCredentials, image: string): CriAuth | undefined {
  return creds.get(registryOfImage(image));
}

function toCriAuth(entry: z.infer<typeof AuthEntrySchema>, where: string): CriAuth {
  if (entry.username || entry.password) {
    return { username: entry.username ?? '', password: entry.password ?? '' };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalid(`${where}.auth: is not base64 of "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.registrytoken) return { registryToken: entry.registrytoken };
  throw invalid(`${where}: has none of auth, username/password, identitytoken, registrytoken`);
}

function invalid(message: string): KedgeError {
  return new KedgeError('KEDGE_TASK_INVALID', message);
}
