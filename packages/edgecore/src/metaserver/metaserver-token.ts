// The metaServer bearer token: a random secret edgecore writes at every start
// to `metaserver.token` beside its database, readable by edgecore's user only
// (0600; root on a real node). `keadm ctl confirm` (run as root) reads it and
// sends it; a local user who cannot read the file cannot confirm upgrades or
// read Secrets from the edge cache, and a web page never can.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';

const METASERVER_TOKEN_FILE = 'metaserver.token';

/** Where edgecore keeps the token: beside `database.dataSource`. */
export function metaServerTokenPath(dataSource: string): string {
  return join(dirname(dataSource), METASERVER_TOKEN_FILE);
}

/** Writes a new token (0600, replacing any earlier one atomically) and returns it. */
export function writeMetaServerToken(file: string): string {
  const token = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // the umask cannot widen it, but an odd filesystem might
    renameSync(tmp, file);
  } catch (err: unknown) {
    rmSync(tmp, { force: true });
    throw new KedgeError(
      'KEDGE_INSTALL_FAILED',
      `cannot write the metaServer token file ${file}: ${errorMessage(err)}`,
      { file },
      { cause: err },
    );
  }
  return token;
}

/** Reads the token `keadm ctl confirm` sends; the error says to run as root when the file is not readable. */
export function readMetaServerToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    const code = (err as { code?: unknown }).code;
    const hint =
      code === 'EACCES'
        ? ' (it is readable by root only: run as root)'
        : code === 'ENOENT'
          ? ' (is edgecore running with this data directory? pass --config or --token-file)'
          : '';
    throw new KedgeError(
      'KEDGE_METASERVER_UNAUTHORIZED',
      `cannot read the metaServer token file ${file}: ${errorMessage(err)}${hint}`,
      { file, fields: ['--token-file'] },
      { cause: err },
    );
  }
  const token = text.trim();
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) {
    throw new KedgeError(
      'KEDGE_METASERVER_UNAUTHORIZED',
      `the metaServer token file ${file} holds no token`,
      {
        file,
        fields: ['--token-file'],
      },
    );
  }
  return token;
}
