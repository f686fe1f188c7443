// The demo's application step: three more edge nodes that run pods (each
// with its own containerd inside a network namespace of its own, the
// namespaces joined through a bridge namespace with routes to each other's
// pod CIDRs), a 3-replica Deployment of a busybox HTTP server placed on them
// by the embedded workload controller, and `kedgectl get pods -o wide` once
// all pods are Running and Ready. stop() removes every container and
// namespace it made.
import { errorMessage, type Pod } from '@kedge/api';
import { systemClock, type Clock } from '@kedge/runtime';
import { mutate } from '@kedge/store';
import { ensureNetnsTools } from '@kedge/testing';
import { pushBusyboxImage } from '../images/busybox-image.ts';
import type { LocalCloud } from '../local-cloud.ts';
import { LocalEdge } from '../local-edge.ts';
import { LocalPodNetwork } from '../pods/pod-network.ts';

const BUSYBOX = '/bin/busybox';
const POD_NODE_LABEL = 'demo-pods';

export interface DemoPodsOptions {
  dir: string;
  cloud: LocalCloud;
  /** cloudcore's address, host:port. */
  server: string;
  /** The demo's registry, host:port (plain http, host loopback). */
  registry: string;
  nodes: number;
  /** Time for the waits; default the system clock. */
  clock?: Clock;
}

const ready = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

export class DemoPods {
  readonly edges: LocalEdge[] = [];
  #network: LocalPodNetwork | undefined;
  readonly #o: DemoPodsOptions;

  constructor(o: DemoPodsOptions) {
    this.#o = o;
  }

  /** Why pods cannot run here (no netns tools or not root), or undefined. */
  static unavailable(): string | undefined {
    try {
      ensureNetnsTools();
      return undefined;
    } catch (err) {
      return errorMessage(err);
    }
  }

  /** Starts the pod nodes (Ready and labelled) and returns the web image the Deployment runs. */
  async startNodes(): Promise<string> {
    const { cloud, registry } = this.#o;
    const pause = await pushBusyboxImage(`${registry}/demo/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    const web = await pushBusyboxImage(`${registry}/demo/web:v1`);
    this.#network = await LocalPodNetwork.create(this.#o.nodes);
    for (const [i, node] of this.#network.nodes.entries()) {
      const name = `edge-pods-${i + 1}`;
      const edge = await LocalEdge.create(this.#o.dir, {
        name,
        server: this.#o.server,
        token: cloud.token(name),
        heartbeat: 2,
        pods: {
          netnsPath: node.netns.path,
          podCIDR: node.podCIDR,
          sandboxImage: pause.ref,
          serviceProxy: { clusterDNS: node.nodeAddress },
        },
      });
      this.edges.push(edge);
      // The registry listens on the host's loopback, out of the node namespace's reach: load from the host side.
      await edge.preloadImage(pause.ref);
      await edge.preloadImage(web.ref);
      await edge.start();
      console.log(
        `${name}: pod CIDR ${node.podCIDR}, node address ${node.nodeAddress}, ${edge.containerd?.endpoint}`,
      );
    }
    const names = this.edges.map((e) => e.name);
    await cloud.waitForReady(names, 60_000);
    for (const name of names)
      await mutate(cloud.store, 'Node', name, (n) => ({
        ...n,
        metadata: { ...n.metadata, labels: { ...n.metadata.labels, [POD_NODE_LABEL]: 'true' } },
      }));
    return web.ref;
  }

  /** The Deployment: an HTTP server on :8080 answering its pod name, placed on the pod nodes. */
  deployment(image: string): Record<string, unknown> {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: this.#o.nodes,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            nodeSelector: { [POD_NODE_LABEL]: 'true' },
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'web',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: [
                  BUSYBOX,
                  'sh',
                  '-c',
                  `${BUSYBOX} mkdir -p /www && echo "$POD_NAME" > /www/index.html && exec ${BUSYBOX} httpd -f -p 8080 -h /www`,
                ],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
    };
  }

  /** Until every pod of the Deployment is Running and Ready (true), or `timeoutMs` passed (false). */
  async waitForPods(timeoutMs: number): Promise<boolean> {
    const clock = this.#o.clock ?? systemClock;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const pods = (await this.#o.cloud.store.list('Pod', { namespace: 'default' })).items;
      if (pods.length === this.#o.nodes && pods.every(ready)) return true;
      if (clock.now() > deadline) return false;
      await clock.sleep(250);
    }
  }

  /** Stops the pod nodes, their containers and containerds, and removes the namespaces. */
  async stop(): Promise<void> {
    await Promise.all(this.edges.map((e) => e.close().catch(() => undefined)));
    await this.#network?.remove();
  }
}
