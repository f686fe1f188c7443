// The secret node tokens are derived from. Created on first start (0600) when
// the file does not exist yet, as KubeEdge generates its CA when missing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KedgeError, errorMessage, isKedgeError } from '@kedge/api';
import { MIN_TOKEN_SECRET_LENGTH, isUsableTokenSecret } from '@kedge/tokens';

export function loadOrCreateTokenSecret(file: string): { secret: string; created: boolean } {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (!isUsableTokenSecret(secret)) {
      const message = `${file}: token secret is shorter than ${MIN_TOKEN_SECRET_LENGTH} characters`;
      throw new KedgeError('KEDGE_CONFIG_INVALID', message, {
        file,
      });
    }
    return { secret, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (isKedgeError(err)) throw err;
      throw new KedgeError(
        'KEDGE_CONFIG_UNREADABLE',
        `${file}: cannot read token secret: ${errorMessage(err)}`,
        {
          file,
        },
      );
    }
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return { secret, created: true };
}
