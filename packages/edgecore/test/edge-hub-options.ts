// EdgeHub settings for tests against a WebSocket "cloud" on 127.0.0.1: fast
// reconnects, a long heartbeat, a fixed node identity.
import { systemClock } from '@kedge/runtime';
import type { Outbox } from '../src/database/index.ts';
import type { EdgeHubOptions } from '../src/edgehub/edge-hub.ts';

export function testEdgeHubOptions(
  server: string,
  outbox: Outbox,
  more: Partial<EdgeHubOptions> = {},
): EdgeHubOptions {
  return {
    nodeName: 'edge-1',
    projectId: 'e632aba927ea4ac2b575ec1603d56f10',
    token: 'test-token',
    server,
    heartbeatMs: 30_000,
    handshakeTimeoutMs: 5_000,
    maxMessageBytes: 1 << 20,
    reconnectInitialMs: 50,
    reconnectMaxMs: 200,
    register: () => ({ nodeInfo: {}, addresses: [], labels: {}, edgecoreVersion: 'v1.21.0' }),
    outbox,
    clock: systemClock,
    ...more,
  };
}
