import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogsRequestSchema, type LogsRequest, type Pod } from '@kedge/api';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveLogsRequest } from './logs-request.ts';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('logs-request-');
});
afterEach(async () => {
  await dir.cleanup();
});

function pod(name: string, nodeName: string, containers: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  };
}

const pods = [
  pod('web', 'edge-1', ['app']),
  pod('two', 'edge-1', ['a', 'b']),
  pod('other', 'edge-2', ['app']),
];

async function logs(request: Partial<LogsRequest>): Promise<string> {
  const parsed = LogsRequestSchema.parse({ streamId: 's1', namespace: 'default', pod: 'web', ...request });
  let text = '';
  await serveLogsRequest(
    parsed,
    {
      nodeName: 'edge-1',
      podLogsRoot: dir.path,
      findPod: (ns, name) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name),
    },
    (c) => void (text += c),
    new AbortController().signal,
  );
  return text;
}

const line = (t: string): string => `2026-12-03T03:00:00.000000001Z stdout F ${t}\n`;

describe('edge logs request', () => {
  it('streams the newest attempt of the pod’s only container, honouring tailLines', async () => {
    const c = join(dir.path, 'default_web_uid-web', 'app');
    await mkdir(c, { recursive: true });
    await writeFile(join(c, '0.log'), line('old run'));
    await writeFile(join(c, '2.log'), line('one') + line('two'));
    await writeFile(join(c, '10.log'), line('current') + line('last'));
    expect(await logs({})).toBe('current\nlast\n');
    expect(await logs({ tailLines: 1 })).toBe('last\n');
  });

  it('refuses pods not bound to this node, and unknown pods, with the same coded error', async () => {
    await expect(logs({ pod: 'other' })).rejects.toMatchObject({ code: 'KEDGE_LOGS_FORBIDDEN' });
    await expect(logs({ pod: 'nope' })).rejects.toMatchObject({ code: 'KEDGE_LOGS_FORBIDDEN' });
  });

  it('needs a container of the pod: none for a multi-container pod or a made-up one is a bad request', async () => {
    await expect(logs({ pod: 'two' })).rejects.toThrow('choose one of: [a b]');
    await expect(logs({ container: '../../etc' })).rejects.toMatchObject({ code: 'KEDGE_LOGS_BAD_REQUEST' });
    await expect(logs({ container: 'app' })).rejects.toMatchObject({ code: 'KEDGE_LOGS_NOT_FOUND' });
  });
});
