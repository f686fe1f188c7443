// keadm gettoken --node NAME: prints the node's credential for edgeHub.token
// (KEDGE_EDGE_TOKEN), derived from the cloud's token secret.
import { readFileSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';
import { nodeToken } from '@kedge/cloudcore';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

export const DEFAULT_TOKEN_SECRET = '/etc/kedge/token-secret';

export const GETTOKEN_USAGE = `usage: keadm gettoken --node NAME [--secret-file FILE]
Prints the token node NAME uses to connect (edgeHub.token, or $KEDGE_EDGE_TOKEN).
  --node NAME         the node's name (modules.edged.hostnameOverride)
  --secret-file FILE  cloudcore's token secret (default ${DEFAULT_TOKEN_SECRET})
`;

const OPTIONS = {
  node: { type: 'string' },
  'secret-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function runGettoken(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, GETTOKEN_USAGE);
  if (values.help) {
    io.stdout.write(GETTOKEN_USAGE);
    return Promise.resolve(0);
  }
  const node = values.node;
  if (!node) throw usageError('--node: required', GETTOKEN_USAGE);
  const file = values['secret-file'] ?? DEFAULT_TOKEN_SECRET;
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_UNREADABLE',
      `--secret-file: cannot read ${file}: ${errorMessage(err)}`,
      {
        file,
        fields: ['--secret-file'],
      },
    );
  }
  if (secret.length < 16) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `--secret-file: ${file} holds no token secret (shorter than 16 characters)`,
      {
        file,
        fields: ['--secret-file'],
      },
    );
  }
  io.stdout.write(`${nodeToken(secret, node)}\n`);
  return Promise.resolve(0);
}
