import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { parseManifest, readManifests } from './manifest.ts';

describe('parseManifest', () => {
  it('reads every YAML document, naming each by its index, and skips empty ones', () => {
    const text = 'kind: A\n---\nkind: B\n---\n# only a comment\n---\nkind: C\n';
    const { documents, problems } = parseManifest('all.yaml', text);
    expect(problems).toEqual([]);
    expect(documents).toEqual([
      { where: 'all.yaml: document 1', value: { kind: 'A' } },
      { where: 'all.yaml: document 2', value: { kind: 'B' } },
      { where: 'all.yaml: document 4', value: { kind: 'C' } },
    ]);
  });

  it('names a single document by its file only', () => {
    expect(parseManifest('one.yaml', 'kind: A\n').documents).toEqual([
      { where: 'one.yaml', value: { kind: 'A' } },
    ]);
  });

  it('reports YAML errors with file, line and column', () => {
    const { documents, problems } = parseManifest('bad.yaml', 'kind: A\nmetadata:\n  name: x\n labels: {}\n');
    expect(documents).toEqual([]);
    expect(problems[0]).toMatch(/^bad\.yaml: line 4, column 1: /);
  });

  it('reports duplicate keys', () => {
    expect(parseManifest('dup.yaml', 'kind: A\nkind: B\n').problems[0]).toMatch(
      /^dup\.yaml: line 2, column 1: .*unique/i,
    );
  });

  it('reads .json files as JSON, with exact error positions', () => {
    expect(parseManifest('n.json', '{"kind": "A"}').documents).toEqual([
      { where: 'n.json', value: { kind: 'A' } },
    ]);
    expect(parseManifest('n.json', '{\n  "kind": "A",\n}\n').problems).toEqual([
      'n.json: line 3, column 1: Expected double-quoted property name',
    ]);
  });

  it('unpacks a v1 List into its items', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'A' }, { kind: 'B' }] });
    expect(parseManifest('l.json', list).documents.map((d) => d.where)).toEqual([
      'l.json: items[0]',
      'l.json: items[1]',
    ]);
  });
});

describe('readManifests', () => {
  it('reads files, directories (sorted, only manifests) and stdin, and names unreadable paths', async () => {
    await using dir = await tempDir();
    await mkdir(join(dir.path, 'd'));
    await writeFile(join(dir.path, 'd', 'b.yaml'), 'kind: B\n');
    await writeFile(join(dir.path, 'd', 'a.json'), '{"kind": "A"}');
    await writeFile(join(dir.path, 'd', 'notes.txt'), 'not a manifest');
    const missing = join(dir.path, 'missing.yaml');
    const result = await readManifests([join(dir.path, 'd'), '-', missing], async () => 'kind: S\n');
    expect(result.documents.map((d) => d.value)).toEqual([{ kind: 'A' }, { kind: 'B' }, { kind: 'S' }]);
    expect(result.documents[2]?.where).toBe('<stdin>');
    expect(result.problems).toEqual([`${missing}: cannot read: no such file or directory`]);
  });
});
