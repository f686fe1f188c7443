// keadm gettoken: prints a join token for edgeHub.token (KEDGE_EDGE_TOKEN) in
// KubeEdge's layout `<sha256 of the CA's DER>.<JWT>`: the JWT is HS256 under
// the cloud's token secret and expires (--ttl, default 24h); with --node it
// joins only that node. The secret is a file on the cloud machine (embedded
// mode) or, with --kubeconfig, the Secret kubeedge/tokensecret that keadm init
// created (cluster mode). --plain prints the token-mode credential of the
// demo instead (an HMAC of the node name; plain ws, no expiry).
import { readFileSync } from 'node:fs';
import { KedgeError, NAME_PATTERN, errorMessage, secretValue } from '@kedge/api';
import {
  DEFAULT_CLOUD_CA_FILE,
  DEFAULT_TOKEN_SECRET_FILE,
  DEFAULT_TOKEN_TTL_SECONDS,
  MIN_TOKEN_SECRET_LENGTH,
  caHashOfPem,
  createJoinToken,
  isUsableTokenSecret,
  nodeToken,
} from '@kedge/tokens';
import { createLogger, readFieldFile } from '@kedge/runtime';
import { openKubernetesStore, type ResourceStore } from '@kedge/store';
import { CA_SECRET } from '../init/ca-secret.ts';
import { TOKEN_SECRET } from '../init/token-secret.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

const SECRET_REF = `${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name}`;

const GETTOKEN_USAGE = `usage: keadm gettoken [--node NAME] [--ttl DURATION] [--ca-file FILE]
                      [--secret-file FILE | --kubeconfig FILE] [--plain --node NAME]
Prints a join token <ca-hash>.<jwt> (edgeHub.token, or $KEDGE_EDGE_TOKEN for keadm join).
  --node NAME         the token joins only this node (default: any node, as KubeEdge's)
  --ttl DURATION      how long the token can be used to join: 24h (default), 30m, 3600s
  --ca-file FILE      cloudcore's CA certificate (default ${DEFAULT_CLOUD_CA_FILE})
  --secret-file FILE  cloudcore's token secret (default ${DEFAULT_TOKEN_SECRET_FILE})
  --kubeconfig FILE   read the secret from the Secret ${SECRET_REF} (key ${TOKEN_SECRET.key}) and the CA
                      from ${CA_SECRET.namespace}/${CA_SECRET.name} (key ${CA_SECRET.certKey}) instead
  --plain             the token-mode credential of node --node (the demo on plain ws://; never expires)
`;

const OPTIONS = {
  node: { type: 'string' },
  'secret-file': { type: 'string' },
  kubeconfig: { type: 'string' },
  'ca-file': { type: 'string' },
  ttl: { type: 'string' },
  plain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runGettoken(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, GETTOKEN_USAGE);
  if (values.help) {
    io.stdout.write(GETTOKEN_USAGE);
    return 0;
  }
  const node = values.node;
  if (values.plain && !node) throw usageError('--node: required with --plain', GETTOKEN_USAGE);
  if (node !== undefined && !NAME_PATTERN.test(node))
    throw usageError('--node: not a node name', GETTOKEN_USAGE);
  const ttlSeconds = parseTtl(values.ttl);
  if (values.kubeconfig !== undefined && values['secret-file'] !== undefined) {
    throw usageError('--secret-file and --kubeconfig: give one of them', GETTOKEN_USAGE);
  }
  const fromCluster =
    values.kubeconfig !== undefined
      ? await secretsFromCluster(
          values.kubeconfig,
          values.plain !== true && values['ca-file'] === undefined,
          io,
        )
      : undefined;
  const secret = fromCluster?.secret ?? secretFromFile(values['secret-file'] ?? DEFAULT_TOKEN_SECRET_FILE);
  if (values.plain && node) {
    io.stdout.write(`${nodeToken(secret, node)}\n`);
    return 0;
  }
  const caFile = values['ca-file'] ?? DEFAULT_CLOUD_CA_FILE;
  let caHash: string;
  try {
    caHash = caHashOfPem(fromCluster?.caPem ?? readFileSync(caFile, 'utf8'));
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `--ca-file: cannot read a CA certificate from ${caFile} (cloudcore creates it on first start): ${errorMessage(err)}`,
      { file: caFile, fields: ['--ca-file'] },
    );
  }
  io.stdout.write(`${await createJoinToken({ secret, caHash, ttlSeconds, node, nowMs: io.clock.now() })}\n`);
  return 0;
}

/** `24h`, `30m`, `3600s` or plain seconds. */
function parseTtl(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  const m = /^(\d+)(s|m|h)?$/.exec(text);
  const seconds = m
    ? Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h']
    : 0;
  if (seconds <= 0)
    throw usageError('--ttl: expected a positive duration like 24h, 30m or 3600s', GETTOKEN_USAGE);
  return seconds;
}

function secretFromFile(file: string): string {
  const secret = readFieldFile('--secret-file', file).toString('utf8').trim();
  return checkedSecret(secret, `${file} holds`, { file, fields: ['--secret-file'] });
}

/** The token secret and (unless given as a file) the CA certificate, from the cluster's Secrets. */
async function secretsFromCluster(
  kubeconfig: string,
  withCa: boolean,
  io: KeadmIo,
): Promise<{ secret: string; caPem: string | undefined }> {
  const log = createLogger({ name: 'keadm', level: io.env.KEDGE_LOG_LEVEL ?? 'warn', destination: 2 });
  const store = await openKubernetesStore({ kubeconfig, log });
  try {
    const secret = await secretFromCluster(store);
    if (!withCa) return { secret, caPem: undefined };
    const ref = `${CA_SECRET.namespace}/${CA_SECRET.name}`;
    const found = await store.get('Secret', CA_SECRET.name, CA_SECRET.namespace);
    const caPem = found ? secretValue(found, CA_SECRET.certKey) : undefined;
    if (!caPem) {
      throw new KedgeError(
        'KEDGE_STORE_NOT_FOUND',
        `--kubeconfig: the cluster has no CA in Secret ${ref} (key ${CA_SECRET.certKey}; keadm init --apply creates it)`,
        { resource: `secret/${ref}`, fields: ['--kubeconfig'] },
      );
    }
    return { secret, caPem };
  } finally {
    await store.close();
  }
}

async function secretFromCluster(store: ResourceStore): Promise<string> {
  const found = await store.get('Secret', TOKEN_SECRET.name, TOKEN_SECRET.namespace);
  if (!found) {
    throw new KedgeError(
      'KEDGE_STORE_NOT_FOUND',
      `--kubeconfig: the cluster has no Secret ${SECRET_REF} (keadm init --apply creates it)`,
      { resource: `secret/${SECRET_REF}`, fields: ['--kubeconfig'] },
    );
  }
  // cloudcore reads the mounted file and trims it; so do we.
  const value = secretValue(found, TOKEN_SECRET.key)?.trim() ?? '';
  return checkedSecret(value, `Secret ${SECRET_REF} key ${TOKEN_SECRET.key} holds`, {
    resource: `secret/${SECRET_REF}`,
    fields: ['--kubeconfig'],
  });
}

function checkedSecret(secret: string, where: string, context: { [key: string]: unknown }): string {
  if (!isUsableTokenSecret(secret)) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${where} no token secret (shorter than ${MIN_TOKEN_SECRET_LENGTH} characters)`,
      context,
    );
  }
  return secret;
}
