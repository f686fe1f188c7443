import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeModules, newMessage, type Message } from '@kedge/api';
import { tempDir, type TempDir } from '@kedge/testing';
import { startMetaHarness, type MetaHarness } from '../../test/meta-harness.ts';

const configMap = (name: string, rv: string, data: Record<string, string>, uid = `uid-${name}`) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', resourceVersion: rv, uid },
  data,
});

describe('metaManager', () => {
  let dir: TempDir;
  let file: string;
  let h: MetaHarness | undefined;

  beforeEach(async () => {
    dir = await tempDir('kedge-metamanager-');
    file = join(dir.path, 'edgecore.db');
    h = await startMetaHarness(file);
  });
  afterEach(async () => {
    await h?.stop();
    await dir.cleanup();
  });
  const harness = (): MetaHarness => h as MetaHarness;

  it('stores an insert from the cloud and acks it with parent_msg_id = the insert', async () => {
    const obj = configMap('app', '7', { mode: 'fast' });
    const before = harness().toCloud.length;
    const msg = newMessage({
      source: 'edgecontroller',
      group: 'resource',
      operation: 'insert',
      resource: 'default/configmap/app',
      content: obj,
    });
    await harness().bus.send(EdgeModules.metaManager, msg);
    const ack = await harness().replyFor(msg.header.msg_id);

    expect(ack.header.parent_msg_id).toBe(msg.header.msg_id);
    expect(ack.route).toMatchObject({
      source: 'metamanager',
      operation: 'response',
      resource: 'default/configmap/app',
    });
    expect(ack.content).toEqual({
      status: 'OK',
      objectUID: 'uid-app',
      objectResourceVersion: '7',
      outcome: 'applied',
    });
    expect(harness().toCloud.length).toBe(before + 1);
    expect(harness().cache.get('default/configmap/app')).toMatchObject({ resourceVersion: '7', value: obj });
    const row = harness()
      .edb.db.prepare('SELECT type, value FROM meta WHERE key = ?')
      .get('default/configmap/app');
    expect(row).toEqual({ type: 'configmap', value: JSON.stringify(obj) });
  });

  it('ignores an older resourceVersion but still acks it', async () => {
    await harness().fromCloud('update', 'default/configmap/app', configMap('app', '10', { v: 'new' }));
    const ack = await harness().fromCloud(
      'update',
      'default/configmap/app',
      configMap('app', '9', { v: 'old' }),
    );
    expect(ack.route.operation).toBe('response');
    // The ack tells the cloud what the edge holds: version 10, not the 9 it sent.
    expect(ack.content).toMatchObject({ status: 'OK', objectResourceVersion: '10', outcome: 'stale' });
    expect(harness().cache.get('default/configmap/app')?.value).toMatchObject({ data: { v: 'new' } });

    // header.resourceversion wins over the object's own
    await harness().fromCloud('patch', 'default/configmap/app', configMap('app', '1', { v: 'newer' }), {
      resourceVersion: '11',
    });
    expect(harness().cache.get('default/configmap/app')).toMatchObject({
      resourceVersion: '11',
      value: { data: { v: 'newer' } },
    });
  });

  it('removes an object on delete, and acks deletes of objects it does not have', async () => {
    await harness().fromCloud('insert', 'default/configmap/app', configMap('app', '3', {}));
    const ack = await harness().fromCloud('delete', 'default/configmap/app', configMap('app', '4', {}));
    expect(ack.content).toMatchObject({ status: 'OK', objectResourceVersion: '', outcome: 'deleted' });
    expect(harness().cache.get('default/configmap/app')).toBeUndefined();
    const again = await harness().fromCloud('delete', 'default/configmap/app', null);
    expect(again).toMatchObject({
      route: { operation: 'response' },
      content: { status: 'OK', outcome: 'absent' },
    });
  });

  it('a delete beats older updates of the same object: a late re-sent update does not bring it back', async () => {
    await harness().fromCloud('insert', 'default/configmap/gone', configMap('gone', '30', {}, 'uid-gone'));
    await harness().fromCloud('delete', 'default/configmap/gone', configMap('gone', '32', {}, 'uid-gone'));
    const late = await harness().fromCloud(
      'update',
      'default/configmap/gone',
      configMap('gone', '31', { late: 'yes' }, 'uid-gone'),
    );
    expect(late.content).toEqual({
      status: 'OK',
      objectUID: 'uid-gone',
      objectResourceVersion: '',
      outcome: 'stale',
    });
    expect(harness().cache.get('default/configmap/gone')).toBeUndefined();
    // A new object under the same name (another UID) is stored.
    await harness().fromCloud('insert', 'default/configmap/gone', configMap('gone', '40', {}, 'uid-next'));
    expect(harness().cache.get('default/configmap/gone')).toMatchObject({ resourceVersion: '40' });
  });

  it('keeps a newer incarnation when a delete names another uid', async () => {
    await harness().fromCloud('insert', 'default/configmap/app', configMap('app', '20', {}, 'uid-new'));
    await harness().fromCloud('delete', 'default/configmap/app', configMap('app', '21', {}, 'uid-old'));
    expect(harness().cache.get('default/configmap/app')).toBeDefined();
  });

  it('answers local queries by key and by namespace/type from SQLite', async () => {
    await harness().fromCloud('insert', 'default/configmap/b', configMap('b', '1', { k: 'b' }));
    await harness().fromCloud('insert', 'default/configmap/a', configMap('a', '2', { k: 'a' }));
    await harness().fromCloud('insert', 'other/configmap/c', configMap('c', '3', {}));
    const query = (resource: string): Promise<Message> =>
      harness().bus.sendSync(
        EdgeModules.metaManager,
        newMessage({ source: 'edged', group: 'meta', operation: 'query', resource }),
        5000,
      );

    const one = await query('default/configmap/a');
    expect(one.route.operation).toBe('response');
    expect(one.content).toMatchObject({ metadata: { name: 'a' }, data: { k: 'a' } });

    const list = await query('default/configmap');
    expect((list.content as { metadata: { name: string } }[]).map((o) => o.metadata.name)).toEqual([
      'a',
      'b',
    ]);

    const missing = await query('default/configmap/zzz');
    expect(missing.route.operation).toBe('error');
    expect(missing.content).toMatchObject({ code: 'KEDGE_STORE_NOT_FOUND', retryable: false });
    expect((missing.content as { message: string }).message).toContain('default/configmap/zzz');
  });

  it('answers malformed messages with an error naming the problem and keeps working', async () => {
    const unknownOp = await harness().fromCloud('frobnicate', 'default/configmap/app', {});
    expect(unknownOp.route.operation).toBe('error');
    expect(unknownOp.content).toMatchObject({ code: 'KEDGE_WIRE_MALFORMED', retryable: false });
    expect((unknownOp.content as { message: string }).message).toContain('unknown operation "frobnicate"');

    const badResource = await harness().fromCloud(
      'insert',
      'configmap-without-namespace',
      configMap('x', '1', {}),
    );
    expect((badResource.content as { message: string }).message).toContain(
      'resource "configmap-without-namespace": expected <ns>/<type>/<name>',
    );

    const notObject = await harness().fromCloud('insert', 'default/configmap/x', 42);
    expect((notObject.content as { message: string }).message).toContain('expected the object, got number');

    const wrongName = await harness().fromCloud('insert', 'default/configmap/x', configMap('y', '1', {}));
    expect((wrongName.content as { message: string }).message).toContain('does not match resource');

    // A JSON string as content is accepted (KubeEdge sends bytes for some objects).
    const asText = await harness().fromCloud(
      'insert',
      'default/configmap/x',
      JSON.stringify(configMap('x', '1', {})),
    );
    expect(asText.content).toMatchObject({ status: 'OK', outcome: 'applied' });
    expect(harness().bus.isRunning(EdgeModules.metaManager)).toBe(true);
  });

  it('does not answer replies, so nothing can bounce between cloud and edge', async () => {
    const before = harness().toCloud.length;
    const reply = newMessage({
      source: 'cloudhub',
      group: 'resource',
      operation: 'response',
      resource: 'default/configmap/a',
      parentId: 'x',
      content: 'OK',
    });
    await harness().bus.send(EdgeModules.metaManager, reply);
    // A marker message afterwards proves the reply was processed first.
    await harness().fromCloud('insert', 'default/configmap/m', configMap('m', '1', {}));
    expect(harness().toCloud.length).toBe(before + 1);
  });

  it('serves what it stored after a restart, with no cloud connection (offline autonomy)', async () => {
    const obj = configMap('app', '5', { keep: 'me' });
    await harness().fromCloud('insert', 'default/configmap/app', obj);
    await harness().fromCloud('insert', 'null/node/edge-1', {
      kind: 'Node',
      metadata: { name: 'edge-1', resourceVersion: '6' },
    });
    await harness().stop();
    h = undefined;

    h = await startMetaHarness(file);
    expect(harness().cache.connected).toBe(false);
    const got = await harness().http('/api/v1/namespaces/default/configmaps/app');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(obj);
    const node = await harness().http('/api/v1/nodes/edge-1');
    expect(node.body).toMatchObject({ kind: 'Node', metadata: { name: 'edge-1' } });
    const list = await harness().bus.sendSync(
      EdgeModules.metaManager,
      newMessage({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap' }),
      5000,
    );
    expect(list.content).toEqual([obj]);
  });
});
