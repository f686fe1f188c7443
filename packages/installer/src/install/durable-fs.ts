// File-system steps that survive a power cut: a file is written to a temp
// name, fsynced and renamed over the target, and the directory is fsynced so
// the rename itself is on disk. Synchronous on purpose: the launcher runs
// them before anything else and callers need them ordered.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KedgeError, errorMessage, isKedgeError } from '@kedge/api';

/** The errno code of a Node file-system error (`ENOENT`...), else undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A temp path beside `file`, unique per call. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a directory so entries created, renamed or removed in it are durable. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err: unknown) {
    // Some file systems refuse fsync on a directory; the data itself was synced.
    if (errnoCode(err) !== 'EINVAL' && errnoCode(err) !== 'EISDIR') throw failed(`fsync ${dir}`, dir, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to `file` atomically and durably (temp + fsync + rename + fsync
 * dir). `beforeRename` runs once the temp file is on disk (a failpoint hook).
 */
export function writeFileDurable(
  file: string,
  data: string | Uint8Array,
  mode = 0o644,
  beforeRename?: () => void,
): void {
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    beforeRename?.();
    renameSync(tmp, file);
  } catch (err: unknown) {
    rmSync(tmp, { force: true });
    throw failed(`write ${file}`, file, err);
  }
  fsyncDir(dirname(file));
}

/** fsync every file and directory under `root` (symlinks are not followed). */
export function fsyncTree(root: string): void {
  const st = lstatSync(root);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    for (const name of readdirSync(root)) fsyncTree(join(root, name));
    fsyncDir(root);
    return;
  }
  if (!st.isFile()) return;
  const fd = openSync(root, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 (hex) of a file's bytes. */
export function sha256File(file: string): string {
  return sha256Of(readFileSync(file));
}

/** A file's bytes, or undefined when it does not exist. */
export function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${file}`, file, err);
  }
}

/** True when something (file, directory, symlink even if dangling) exists at `path`. */
export function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw failed(`stat ${path}`, path, err);
  }
}

/** KEDGE_INSTALL_FAILED naming the step and the file, with the cause attached. */
export function failed(step: string, file: string, err: unknown): KedgeError {
  if (isKedgeError(err)) return err;
  return new KedgeError('KEDGE_INSTALL_FAILED', `${step}: ${errorMessage(err)}`, { file }, { cause: err });
}
