// What a release layer may contain: regular files, directories, hard links
// and symlinks, all staying inside the target directory. Refused: absolute
// names, `..` components, links whose target leaves the directory, entries
// written through a symlink, devices and fifos, and OCI whiteouts (a release
// is one layer and never deletes files). Returns the first problem found.
import { posix } from 'node:path';
import type { TarEntry } from './tar-entries.ts';

const ALLOWED_TYPES: Readonly<Record<string, string>> = {
  '0': 'file',
  '7': 'file',
  '1': 'hard link',
  '2': 'symlink',
  '5': 'directory',
};
const TYPE_NAMES: Readonly<Record<string, string>> = {
  '3': 'character device',
  '4': 'block device',
  '6': 'fifo',
};

/** Splits a stored name into components, dropping `.` and empty ones (`./a//b/` -> [a, b]). */
function components(name: string): string[] {
  return name.split('/').filter((c) => c !== '' && c !== '.');
}

function pathProblem(name: string, what: string): string | undefined {
  if (name.startsWith('/')) return `${what} "${name}" is an absolute path`;
  if (components(name).includes('..')) return `${what} "${name}" has a ".." component`;
  return undefined;
}

/**
 * Checks one layer's entries. `symlinks` holds the symlinks of this and earlier
 * layers (relative paths, normalised); it is updated as entries are checked.
 */
export function tarEntryProblem(entries: readonly TarEntry[], symlinks: Set<string>): string | undefined {
  for (const entry of entries) {
    const kind = ALLOWED_TYPES[entry.type];
    if (kind === undefined) {
      return `entry "${entry.path}" is a ${TYPE_NAMES[entry.type] ?? `type '${entry.type}' entry`}, which a release may not contain`;
    }
    const problem = pathProblem(entry.path, 'entry');
    if (problem) return problem;
    const parts = components(entry.path);
    if (parts.length === 0) continue; // the archive's own root directory, "./"
    const path = parts.join('/');
    if (parts.some((p) => p.startsWith('.wh.'))) {
      return `entry "${entry.path}" is an OCI whiteout; release layers may not delete files`;
    }
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      if (symlinks.has(ancestor))
        return `entry "${entry.path}" would be written through the symlink "${ancestor}"`;
    }
    if (entry.type === '1') {
      const targetProblem = pathProblem(entry.linkTarget, `hard link "${entry.path}" target`);
      if (targetProblem) return targetProblem;
      const target = components(entry.linkTarget);
      for (let i = 1; i <= target.length; i++) {
        const ancestor = target.slice(0, i).join('/');
        if (symlinks.has(ancestor)) {
          return `hard link "${entry.path}" points through the symlink "${ancestor}"`;
        }
      }
    }
    if (entry.type === '2') {
      if (entry.linkTarget.startsWith('/')) {
        return `symlink "${entry.path}" points to the absolute path "${entry.linkTarget}"`;
      }
      const resolved = posix.normalize(posix.join(posix.dirname(path), entry.linkTarget));
      if (resolved === '..' || resolved.startsWith('../')) {
        return `symlink "${entry.path}" -> "${entry.linkTarget}" points outside the release`;
      }
      symlinks.add(path);
    } else {
      symlinks.delete(path);
    }
  }
  return undefined;
}
