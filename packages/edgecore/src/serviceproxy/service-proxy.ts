// serviceProxy: the edge's kube-proxy (iptables mode). It turns the
// Services and EndpointSlices in the edge cache into nat rules in the
// network namespace of the node's pods, so that a pod reaches a Service at
// its cluster IP and port and each connection goes to one of the endpoints
// this node was sent, at random. It re-syncs within moments of a cache
// change, and every 30 s in case someone flushed the table. Rules stay in
// place while edgecore is down (pods keep reaching Services), as kube-proxy's.
// With dns.enable it also keeps a DNS responder (dns-responder.ts) answering
// the Services' names, fed the name table on every sync and restarted when
// it exits; it stops with the module.
import {
  EdgeGroups,
  EdgeModules,
  ResourceTypes,
  errorMessage,
  type EndpointSlice,
  type Service,
} from '@kedge/api';
import type { ChildProcess } from 'node:child_process';
import type { Module, ModuleContext } from '@kedge/beehive';
import { Backoff, type Clock } from '@kedge/runtime';
import type { MetaCache } from '../metamanager/index.ts';
import { serviceNames, startDnsResponder } from './dns-responder.ts';
import { Iptables } from './iptables.ts';
import { JUMPS, SERVICES_CHAIN, POSTROUTING_CHAIN, natRules, ownedChainsIn } from './iptables-rules.ts';
import { serviceRoutes } from './service-table.ts';

export interface ServiceProxyOptions {
  enabled: boolean;
  /** modules.serviceProxy.netnsPath ('' = edgecore's own namespace). */
  netnsPath: string;
  /** modules.serviceProxy.dns: answer Service names on `listen` (host:port). */
  dns?: { enable: boolean; listen: string };
  cache: MetaCache;
  clock: Clock;
  /** Full re-sync period (default 30 s). */
  resyncMs?: number;
}

const RESYNC_MS = 30_000;

export class ServiceProxy implements Module {
  readonly name = EdgeModules.serviceProxy;
  readonly group = EdgeGroups.serviceProxy;
  readonly enabled: boolean;
  readonly #o: ServiceProxyOptions;
  readonly #iptables: Iptables;
  #applied: string | undefined;
  #dns: ChildProcess | undefined;
  /** The name table last written to the running responder. */
  #names: string | undefined;

  constructor(o: ServiceProxyOptions) {
    this.#o = o;
    this.enabled = o.enabled;
    this.#iptables = new Iptables(o.netnsPath);
  }

  async start(ctx: ModuleContext): Promise<void> {
    let wake = new AbortController();
    const unsubscribe = this.#o.cache.onChange((e) => {
      if (e.type === ResourceTypes.service || e.type === ResourceTypes.endpointslice) wake.abort();
    });
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    let resync = true;
    try {
      while (!ctx.signal.aborted) {
        wake = new AbortController();
        let delay = this.#o.resyncMs ?? RESYNC_MS;
        try {
          await this.#sync(ctx, resync);
          backoff.reset();
        } catch (err: unknown) {
          delay = backoff.next();
          ctx.log.warn({ err: errorMessage(err), retryMs: delay }, 'could not install the Service rules');
        }
        const woken = await this.#o.clock.sleep(delay, AbortSignal.any([ctx.signal, wake.signal])).then(
          () => false,
          () => true,
        );
        resync = !woken;
      }
    } finally {
      unsubscribe();
      this.#stopDns();
    }
  }

  /** Hands the name table to the responder, (re)starting it when it is not running. */
  #feedDns(ctx: ModuleContext, services: readonly Service[]): void {
    const dns = this.#o.dns;
    if (!dns?.enable) return;
    if (!this.#dns || this.#dns.exitCode !== null || this.#dns.signalCode !== null) {
      const child = startDnsResponder(dns.listen, this.#o.netnsPath, ctx.log);
      child.once('exit', (code, signal) => {
        if (this.#dns === child) this.#dns = undefined;
        if (!ctx.signal.aborted)
          ctx.log.warn(
            { code, signal, listen: dns.listen },
            'DNS responder exited; restarted on the next sync',
          );
      });
      this.#dns = child;
      this.#names = undefined;
    }
    const names = JSON.stringify(serviceNames(services));
    if (names === this.#names) return;
    this.#dns.stdin?.write(`${names}\n`);
    this.#names = names;
  }

  #stopDns(): void {
    const child = this.#dns;
    this.#dns = undefined;
    if (!child) return;
    child.stdin?.end();
    child.kill('SIGTERM');
  }

  /** Writes the rules when they differ from the last applied (always on a periodic `resync`). */
  async #sync(ctx: ModuleContext, resync: boolean): Promise<void> {
    const services = this.#o.cache.listType(ResourceTypes.service).map((e) => e.value as Service);
    const slices = this.#o.cache.listType(ResourceTypes.endpointslice).map((e) => e.value as EndpointSlice);
    this.#feedDns(ctx, services);
    const routes = serviceRoutes(services, slices);
    const save = await this.#iptables.run('iptables-save', ['-t', 'nat']);
    const text = natRules(routes, ownedChainsIn(save));
    const jumpsMissing = !save.includes(`-j ${SERVICES_CHAIN}`) || !save.includes(`-j ${POSTROUTING_CHAIN}`);
    if (!resync && !jumpsMissing && text === this.#applied) return;
    await this.#iptables.run('iptables-restore', ['-w', '5', '--noflush'], text);
    for (const j of JUMPS) await this.#iptables.ensureJump(j.chain, j.target);
    this.#applied = text;
    ctx.log.info(
      {
        services: routes.length,
        endpoints: routes.reduce((n, r) => n + r.endpoints.length, 0),
        netns: this.#o.netnsPath || undefined,
      },
      'Service rules installed',
    );
  }
}
