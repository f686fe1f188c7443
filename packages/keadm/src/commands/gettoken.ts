// keadm gettoken --node NAME: prints the node's credential for edgeHub.token
// (KEDGE_EDGE_TOKEN), derived from the cloud's token secret: a file on the
// cloud machine (embedded mode), or with --kubeconfig the Secret
// kubeedge/tokensecret that keadm init created (cluster mode).
import { readFileSync } from 'node:fs';
import { KedgeError, errorMessage, secretValue } from '@kedge/api';
import { nodeToken } from '@kedge/cloudcore';
import { createLogger } from '@kedge/runtime';
import { openKubernetesStore } from '@kedge/store';
import { TOKEN_SECRET } from '../init/token-secret.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

export const DEFAULT_TOKEN_SECRET = '/etc/kedge/token-secret';

const SECRET_REF = `${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name}`;

export const GETTOKEN_USAGE = `usage: keadm gettoken --node NAME [--secret-file FILE | --kubeconfig FILE]
Prints the token node NAME uses to connect (edgeHub.token, or $KEDGE_EDGE_TOKEN).
  --node NAME         the node's name (modules.edged.hostnameOverride)
  --secret-file FILE  cloudcore's token secret (default ${DEFAULT_TOKEN_SECRET})
  --kubeconfig FILE   read the secret from the Secret ${SECRET_REF} (key ${TOKEN_SECRET.key}) instead
`;

const OPTIONS = {
  node: { type: 'string' },
  'secret-file': { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runGettoken(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, GETTOKEN_USAGE);
  if (values.help) {
    io.stdout.write(GETTOKEN_USAGE);
    return 0;
  }
  const node = values.node;
  if (!node) throw usageError('--node: required', GETTOKEN_USAGE);
  if (values.kubeconfig !== undefined && values['secret-file'] !== undefined) {
    throw usageError('--secret-file and --kubeconfig: give one of them', GETTOKEN_USAGE);
  }
  const secret =
    values.kubeconfig !== undefined
      ? await secretFromCluster(values.kubeconfig, io)
      : secretFromFile(values['secret-file'] ?? DEFAULT_TOKEN_SECRET);
  io.stdout.write(`${nodeToken(secret, node)}\n`);
  return 0;
}

function secretFromFile(file: string): string {
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `--secret-file: cannot read ${file}: ${errorMessage(err)}`,
      { file, fields: ['--secret-file'] },
    );
  }
  return checkedSecret(secret, `${file} holds`, { file, fields: ['--secret-file'] });
}

async function secretFromCluster(kubeconfig: string, io: KeadmIo): Promise<string> {
  const log = createLogger({ name: 'keadm', level: io.env.KEDGE_LOG_LEVEL ?? 'warn', destination: 2 });
  const store = await openKubernetesStore({ kubeconfig, log });
  try {
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
  } finally {
    await store.close();
  }
}

function checkedSecret(secret: string, where: string, context: { [key: string]: unknown }): string {
  if (secret.length < 16) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${where} no token secret (shorter than 16 characters)`,
      context,
    );
  }
  return secret;
}
