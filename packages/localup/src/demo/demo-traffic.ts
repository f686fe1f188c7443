// The demo's traffic closed loop: the EdgeApplication's Service carries
// apps.kubeedge.io/service-topology: range-nodegroup, so from a pod of each
// group, requests to the Service's cluster IP (through the edge service
// proxy on that pod's node) are answered only by that group's pods. One line
// per group: `group <name>: <n> requests from <client pod> reached <pod>, ...`.
import { NodeLabels, type Pod } from '@kedge/api';
import { systemClock, type Clock } from '@kedge/runtime';
import type { LocalCloud } from '../local-cloud.ts';
import type { LocalEdge } from '../local-edge.ts';
import { requestsFromPod } from '../pods/pod-requests.ts';

export interface DemoTrafficOptions {
  cloud: LocalCloud;
  /** The pod nodes. */
  edges: readonly LocalEdge[];
  groups: readonly string[];
  app: { name: string; namespace: string };
  requests?: number;
  clock?: Clock;
}

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);

const ready = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** Prints one line per group; true when every group's answers came from its own pods only, all of them. */
export async function runTrafficLoop(o: DemoTrafficOptions, timeoutMs = 90_000): Promise<boolean> {
  const clock = o.clock ?? systemClock;
  const deadline = clock.now() + timeoutMs;
  const n = o.requests ?? 20;
  say('traffic closed loop');
  const groupOf = new Map<string, string>();
  let clusterIP: string | undefined;
  let pods: Pod[] = [];
  for (;;) {
    for (const node of (await o.cloud.store.list('Node')).items) {
      const g = node.metadata.labels?.[NodeLabels.belongingTo];
      if (g) groupOf.set(node.metadata.name, g);
    }
    clusterIP = (await o.cloud.store.get('Service', o.app.name, o.app.namespace))?.spec?.clusterIP;
    const all = (await o.cloud.store.list('Pod', { namespace: o.app.namespace })).items;
    pods = all.filter((p) => p.metadata.labels?.['app'] === o.app.name);
    const everyGroupRuns = o.groups.every((g) => pods.some((p) => groupOf.get(p.spec.nodeName ?? '') === g));
    if (clusterIP && everyGroupRuns && pods.every(ready)) break;
    if (clock.now() > deadline) {
      console.log(`the app's pods or its Service did not come up within ${timeoutMs / 1000} s`);
      return false;
    }
    await clock.sleep(500);
  }
  let ok = true;
  for (const group of o.groups) {
    const members = pods.filter((p) => groupOf.get(p.spec.nodeName ?? '') === group);
    const want = members.map((p) => p.metadata.name).sort();
    const client = members[0];
    const edge = o.edges.find((e) => e.name === client?.spec.nodeName);
    if (!client || !edge) continue;
    let reached: string[] = [];
    // The proxy follows the slices within moments; ask again until the answers settle.
    while (clock.now() < deadline) {
      const counts = await requestsFromPod(edge, client, `http://${clusterIP}/`, n).catch(() => ({}));
      reached = Object.keys(counts).sort();
      if (reached.join() === want.join()) break;
      await clock.sleep(500);
    }
    console.log(`group ${group}: ${n} requests from ${client.metadata.name} reached ${reached.join(', ')}`);
    if (reached.join() !== want.join()) ok = false;
  }
  return ok;
}
