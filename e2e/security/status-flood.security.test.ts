// Pod status that finds a node's token bucket empty now waits for a token
// instead of being refused (cloudhub/status-parking.ts), so a node starting
// many pods at once is not slowed down by its own acks. This checks that the
// waiting room is no way around the rate limit. Against a real cloudcore on
// the embedded store, a node floods statuses of its own pod and of pods that
// are not its own: every status of its pod is answered (the replaced ones
// with OK, as the newest supersedes them), the pod is written at most as
// often as the limit allows (far less: a flood of one pod collapses into a
// few writes), statuses beyond what may wait are refused (retryable),
// foreign pods are refused as before, and another node is served meanwhile.
import { newMessage, type Message, type Pod, type WireErrorContent } from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

function statusMessage(pod: string, uid: string, at: number): Message {
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return newMessage({
    source: 'edged',
    group: 'resource',
    operation: 'update',
    resource: `default/podstatus/${pod}`,
    sync: true,
    content: {
      UID: uid,
      Name: pod,
      Status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: time }],
        startTime: time,
      },
    },
  });
}

describe('security: waiting pod status is no way around the upstream rate limit', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let flooder: RawEdgeClient;
  let bystander: RawEdgeClient;
  let uid = '';

  const codeOf = (r: Message): string =>
    r.route.operation === 'error' ? (r.content as WireErrorContent).code : 'OK';

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-status-');
    cloud = new LocalCloud({ dir: dir.path });
    cloudcore = await cloud.addCloudCore();
    flooder = await RawEdgeClient.connect(cloudcore.address, 'flooder', cloud.token('flooder'));
    await flooder.register('flooder');
    bystander = await RawEdgeClient.connect(cloudcore.address, 'bystander', cloud.token('bystander'));
    await bystander.register('bystander');
    const pod = await cloud.store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'flooder', containers: [{ name: 'app', image: 'app:1' }] },
    } as Pod);
    uid = pod.metadata.uid ?? '';
  });

  afterAll(async () => {
    flooder?.close();
    bystander?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('a flood of one pod is answered in full and written a few times; foreign and excess statuses are refused', async () => {
    const watch = new AbortController();
    let writes = 0;
    const counting = (async () => {
      for await (const e of cloud.store.watch('Pod', { namespace: 'default', signal: watch.signal }))
        if (e.type === 'MODIFIED' && e.object.metadata.name === 'web') writes++;
    })().catch(() => undefined);
    const started = Date.now();
    const base = Date.now() - 600_000;
    // 400 statuses of its own pod (each newer than the last), then 400 of pods that are not its own.
    const own = Array.from({ length: 400 }, (_, i) => statusMessage('web', uid, base + i * 1000));
    const foreign = Array.from({ length: 400 }, (_, i) => statusMessage(`other-${i}`, 'x', base));
    for (const m of [...own, ...foreign]) flooder.send(m);

    const probe = newMessage({
      source: 'edged',
      group: 'resource',
      operation: 'update',
      resource: 'default/podstatus/nothing-here',
      sync: true,
      content: { UID: '', Name: 'nothing-here', Status: { phase: 'Running' } },
    });
    bystander.send(probe);
    // Served at once although the flooder's statuses wait (answered: not its pod).
    expect(codeOf(await bystander.replyTo(probe.header.msg_id, 5000))).toBe('KEDGE_WIRE_IMPERSONATION');

    const ownCodes = (await Promise.all(own.map((m) => flooder.replyTo(m.header.msg_id, 60_000)))).map(
      codeOf,
    );
    expect(new Set(ownCodes)).toEqual(new Set(['OK']));
    const foreignCodes = (
      await Promise.all(foreign.map((m) => flooder.replyTo(m.header.msg_id, 60_000)))
    ).map(codeOf);
    const counts: Record<string, number> = {};
    for (const c of foreignCodes) counts[c] = (counts[c] ?? 0) + 1;
    expect(counts['OK']).toBeUndefined();
    // At most 256 statuses wait per node: the rest of the flood is refused, retryable.
    expect(counts['KEDGE_WIRE_RATE_LIMITED'] ?? 0).toBeGreaterThanOrEqual(400 - 256 - 60);
    expect((counts['KEDGE_WIRE_RATE_LIMITED'] ?? 0) + (counts['KEDGE_WIRE_IMPERSONATION'] ?? 0)).toBe(400);

    await new Promise((r) => setTimeout(r, 500));
    watch.abort();
    await counting;
    const seconds = (Date.now() - started) / 1000;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(Math.ceil(60 + 30 * seconds));
    expect(writes).toBeLessThan(own.length / 2); // the flood collapsed into far fewer writes
    const stored = await cloud.store.get('Pod', 'web', 'default');
    // The newest status won.
    expect(stored?.status?.startTime).toBe(
      new Date(base + 399 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    expect(flooder.ws.readyState).toBe(flooder.ws.OPEN);
  });
});
