import { describe, expect, it } from 'vitest';
import type { TarEntry } from './tar-entries.ts';
import { tarEntryProblem } from './tar-policy.ts';

function e(path: string, type = '0', linkTarget = ''): TarEntry {
  return { path, type, linkTarget, size: 0 };
}

describe('tarEntryProblem', () => {
  it('accepts files, directories and links that stay inside', () => {
    const entries = [
      e('./', '5'),
      e('bin', '5'),
      e('bin/edgecore'),
      e('lib/a.node'),
      e('lib/current.node', '2', 'a.node'),
      e('lib/up', '2', '../bin'),
      e('bin/edgecore-hard', '1', 'bin/edgecore'),
    ];
    expect(tarEntryProblem(entries, new Set())).toBeUndefined();
  });

  it.each([
    [[e('/etc/passwd')], 'entry "/etc/passwd" is an absolute path'],
    [[e('a/../../x')], 'entry "a/../../x" has a ".." component'],
    [[e('..', '5')], 'entry ".." has a ".." component'],
    [[e('ok'), e('dev', '3')], 'entry "dev" is a character device'],
    [[e('blk', '4')], 'entry "blk" is a block device'],
    [[e('pipe', '6')], 'entry "pipe" is a fifo'],
    [[e('sparse', 'S')], 'entry "sparse" is a type \'S\' entry'],
    [[e('a/.wh.b')], 'entry "a/.wh.b" is an OCI whiteout'],
    [[e('link', '2', '/etc')], 'symlink "link" points to the absolute path "/etc"'],
    [[e('a/link', '2', '../..')], 'symlink "a/link" -> "../.." points outside the release'],
    [[e('link', '2', 'sub'), e('link/x')], 'entry "link/x" would be written through the symlink "link"'],
    [[e('hard', '1', '../outside')], 'hard link "hard" target "../outside" has a ".." component'],
    [[e('s', '2', 'dir'), e('hard', '1', 's/file')], 'hard link "hard" points through the symlink "s"'],
  ])('refuses %j', (entries, problem) => {
    expect(tarEntryProblem(entries, new Set())).toContain(problem);
  });

  it('remembers symlinks of earlier layers, and forgets one that a later entry replaces', () => {
    const symlinks = new Set<string>();
    expect(tarEntryProblem([e('s', '2', 'dir')], symlinks)).toBeUndefined();
    expect(tarEntryProblem([e('s/x')], symlinks)).toContain('through the symlink "s"');
    expect(tarEntryProblem([e('s', '5'), e('s/x')], symlinks)).toBeUndefined();
  });
});
