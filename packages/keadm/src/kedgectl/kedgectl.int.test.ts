// kedgectl as a user runs it: the real CLI in its own process against a real
// SQLite store in a temp dir.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from '@kedge/api';
import { openSqliteStore } from '@kedge/store';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = 'packages/keadm/src/bin/kedgectl.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: TempDir;
let store: string;

beforeEach(async () => {
  dir = await tempDir('kedgectl-');
  store = join(dir.path, 'kedge.db');
});
afterEach(async () => {
  await dir.cleanup();
});

async function kedgectl(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const p = startProcess({
    name: `kedgectl ${args[0] ?? ''}`,
    args: [BIN, ...args],
    env: { KEDGE_STORE_PATH: store, ...options.env },
    input: options.input,
  });
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

async function manifest(name: string, text: string): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, text);
  return path;
}

const edge1 = `apiVersion: v1
kind: Node
metadata:
  name: edge-1
  labels:
    node-role.kubernetes.io/edge: ""
`;
const readyStatus: NonNullable<Node['status']> = {
  conditions: [{ type: 'Ready', status: 'True' }],
  nodeInfo: { kubeletVersion: 'v1.21.0-kedge' },
};

/** What cloudcore does once the node connects: status through the status subresource. */
async function writeStatus(name: string, status: NonNullable<Node['status']>): Promise<void> {
  const handle = openSqliteStore({ path: store });
  try {
    const node = await handle.get('Node', name);
    if (!node) throw new Error(`node ${name} is not in the store`);
    await handle.updateStatus('Node', { ...node, status });
  } finally {
    await handle.close();
  }
}
const edge2 = edge1.replace('edge-1', 'edge-2');
const seed = 'apiVersion: v1\nkind: Node\nmetadata:\n  name: seed\n';

describe('kedgectl', () => {
  it('applies a Node and shows it as a table and as YAML', async () => {
    const file = await manifest('node.yaml', edge1);
    expect(await kedgectl(['--store', store, 'apply', '-f', file])).toMatchObject({
      code: 0,
      stdout: 'node/edge-1 created\n',
    });
    await writeStatus('edge-1', readyStatus);

    const table = await kedgectl(['get', 'nodes']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(row).toMatch(/^edge-1\s+Ready\s+edge\s+\d+s\s+v1\.21\.0-kedge$/);
    expect(rest).toEqual([]);

    const yaml = await kedgectl(['get', 'no', 'edge-1', '-o', 'yaml']);
    expect(yaml).toMatchObject({ code: 0, stderr: '' });
    const node = parse(yaml.stdout) as { kind: string; metadata: { name: string; resourceVersion: string } };
    expect(node.kind).toBe('Node');
    expect(node.metadata.name).toBe('edge-1');
    expect(node.metadata.resourceVersion).toMatch(/.+/);

    const names = await kedgectl(['get', 'node', '-o', 'name']);
    expect(names.stdout).toBe('node/edge-1\n');
  });

  it('says unchanged when nothing changed and configured when something did', async () => {
    const file = await manifest('node.yaml', edge1);
    await kedgectl(['apply', '-f', file]);
    expect((await kedgectl(['apply', '-f', file])).stdout).toBe('node/edge-1 unchanged\n');

    await writeFile(file, edge1.replace('node-role.kubernetes.io/edge: ""', 'zone: north'));
    expect((await kedgectl(['apply', '-f', file])).stdout).toBe('node/edge-1 configured\n');
    const json = await kedgectl(['get', 'node', 'edge-1', '-o', 'json']);
    const node = JSON.parse(json.stdout) as { metadata: { labels: Record<string, string> } };
    expect(node.metadata.labels).toEqual({ zone: 'north' });
  });

  it('stores no status from a manifest, so a user cannot forge what controllers observe', async () => {
    const node = `${edge1}status:\n  conditions:\n    - type: Ready\n      status: "True"\n`;
    const job = `apiVersion: operations.kubeedge.io/v1alpha2
kind: NodeUpgradeJob
metadata:
  name: forged
spec:
  version: v1.21.1
  nodeNames: [edge-1]
status:
  phase: InProgress
  nodeStatus:
    - nodeName: edge-1
      phase: Successful
`;
    expect(await kedgectl(['apply', '-f', '-'], { input: `${node}---\n${job}` })).toMatchObject({
      code: 0,
      stdout: 'node/edge-1 created\nnodeupgradejob.operations.kubeedge.io/forged created\n',
    });
    const handle = openSqliteStore({ path: store });
    try {
      expect((await handle.get('Node', 'edge-1'))?.status).toBeUndefined();
      expect((await handle.get('NodeUpgradeJob', 'forged'))?.status).toBeUndefined();
    } finally {
      await handle.close();
    }
    // Applied again (the update path), the status still does not get in.
    expect((await kedgectl(['apply', '-f', '-'], { input: node })).stdout).toBe('node/edge-1 unchanged\n');
    const json = await kedgectl(['get', 'node', 'edge-1', '-o', 'json']);
    expect(JSON.parse(json.stdout)).not.toHaveProperty('status');
  });

  it('reads manifests from stdin', async () => {
    const result = await kedgectl(['apply', '-f', '-'], { input: `${edge1}---\n${edge2}` });
    expect(result).toMatchObject({ code: 0, stdout: 'node/edge-1 created\nnode/edge-2 created\n' });
  });

  it('rejects a file that is not valid YAML, naming the file and line, and writes nothing', async () => {
    const file = await manifest(
      'broken.yaml',
      `${edge2}---\napiVersion: v1\nkind: Node\nmetadata:\n  name: x\n labels: {}\n`,
    );
    await kedgectl(['apply', '-f', '-'], { input: seed });
    const result = await kedgectl(['apply', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${file}: line 12, column 1: `, 'm'));
    expect(result.stdout).toBe('');
    expect((await kedgectl(['get', 'nodes', '-o', 'name'])).stdout).toBe('node/seed\n');
  });

  it('rejects invalid objects, naming file, document, object and field, and writes none of the documents', async () => {
    const file = await manifest(
      'jobs.yaml',
      `${edge1}---
apiVersion: operations.kubeedge.io/v1alpha2
kind: NodeUpgradeJob
metadata:
  name: up1
spec:
  version: v1.21.1
  labelSelector:
    matchLabels: [edge]
---
apiVersion: v1
kind: Node
metadata:
  name: Edge_3
`,
    );
    await kedgectl(['apply', '-f', '-'], { input: seed });
    const result = await kedgectl(['apply', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^error: ${file}: document 2: NodeUpgradeJob "up1": spec\\.labelSelector\\.matchLabels: `),
    );
    expect(lines[1]).toMatch(new RegExp(`^error: ${file}: document 3: Node "Edge_3": metadata\\.name: `));
    expect(lines[2]).toBe('error: nothing applied: 2 problems in the input');
    expect((await kedgectl(['get', 'nodes', '-o', 'name'])).stdout).toBe('node/seed\n');
  });

  it('deletes, and reports a missing object by kind and name', async () => {
    await kedgectl(['apply', '-f', '-'], { input: `${edge1}---\n${edge2}` });
    expect(await kedgectl(['delete', 'nodes', 'edge-1'])).toMatchObject({
      code: 0,
      stdout: 'node "edge-1" deleted\n',
    });
    expect((await kedgectl(['get', 'nodes', '-o', 'name'])).stdout).toBe('node/edge-2\n');
    expect(await kedgectl(['delete', 'node', 'edge-1'])).toMatchObject({
      code: 1,
      stderr: 'error: Node "edge-1": not found\n',
    });
    expect(await kedgectl(['get', 'node', 'edge-1'])).toMatchObject({
      code: 1,
      stderr: 'error: Node "edge-1" not found\n',
    });
  });

  it('get -w prints a change written by another process', async () => {
    await kedgectl(['apply', '-f', '-'], { input: edge1 });
    const watch = startProcess({
      name: 'kedgectl get -w',
      args: [BIN, '--store', store, 'get', 'nodes', '-w', '--output-watch-events'],
    });
    try {
      await watch.waitForLine(/^ADDED\s+edge-1\s/);
      expect(await kedgectl(['apply', '-f', '-'], { input: edge2 })).toMatchObject({ code: 0, stderr: '' });
      await watch.waitForLine(/^ADDED\s+edge-2\s/);
      await writeStatus('edge-2', readyStatus);
      await watch.waitForLine(/^MODIFIED\s+edge-2\s+Ready/);
      expect(await kedgectl(['delete', 'node', 'edge-1'])).toMatchObject({ code: 0, stderr: '' });
      await watch.waitForLine(/^DELETED\s+edge-1\s/);
    } finally {
      await watch.kill('SIGINT');
    }
    expect(await watch.exited).toEqual({ code: 0, signal: null });
    expect(watch.stderr()).toBe('');
  });

  it('says so when there is nothing to list', async () => {
    await kedgectl(['apply', '-f', '-'], { input: seed });
    await kedgectl(['delete', 'node', 'seed']);
    expect(await kedgectl(['get', 'nodes'])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No resources found.\n',
    });
  });

  it('refuses to read a store that does not exist, naming its path', async () => {
    const missing = join(dir.path, 'nope.db');
    const result = await kedgectl(['get', 'nodes'], { env: { KEDGE_STORE_PATH: missing } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: store ${missing} does not exist`);
  });

  it('explains usage mistakes', async () => {
    const unknownKind = await kedgectl(['get', 'gadgets']);
    expect(unknownKind.code).toBe(1);
    expect(unknownKind.stderr).toMatch(/^error: unknown resource type "gadgets" \(one of: nodes, /);
    const badOutput = await kedgectl(['get', 'nodes', '-o', 'xml']);
    expect(badOutput.code).toBe(1);
    expect(badOutput.stderr).toBe('error: -o xml: unknown output format (one of: wide, yaml, json, name)\n');
    const misplacedFlag = await kedgectl(['delete', 'node', 'x', '-w']);
    expect(misplacedFlag.code).toBe(1);
    expect(misplacedFlag.stderr).toBe('error: delete: flag --watch does not apply here\n');
    expect((await kedgectl(['--help'])).stdout).toContain('kedgectl apply -f');
  });
});
