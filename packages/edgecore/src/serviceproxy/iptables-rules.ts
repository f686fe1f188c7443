// The iptables nat rules of the service proxy (pure), in kube-proxy's
// iptables-mode shape: KEDGE-SERVICES matches a cluster IP and port and
// jumps to the Service port's chain, which picks one endpoint chain at
// random (`statistic`, probability 1/n, 1/(n-1), ..., so each endpoint gets
// an equal share); the endpoint chain marks the packet and DNATs it. Marked
// packets are masqueraded on the way out, so replies come back through this
// node's conntrack even when client and endpoint share the pods' bridge.
// Output is iptables-restore input for `--noflush`: only KEDGE-* chains are
// written, chains of Service ports or endpoints that are gone are deleted.
import { createHash } from 'node:crypto';
import type { ServiceRoute } from './service-table.ts';

export const SERVICES_CHAIN = 'KEDGE-SERVICES';
export const POSTROUTING_CHAIN = 'KEDGE-POSTROUTING';
const MASQUERADE_MARK = '0x4000/0x4000';

/** Where the proxy's chains are entered from (nat table): pods' traffic and the node's own. */
export const JUMPS: readonly { chain: string; target: string }[] = [
  { chain: 'PREROUTING', target: SERVICES_CHAIN },
  { chain: 'OUTPUT', target: SERVICES_CHAIN },
  { chain: 'POSTROUTING', target: POSTROUTING_CHAIN },
];

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16).toUpperCase();
export const serviceChain = (r: ServiceRoute) => `KEDGE-SVC-${hash(r.id)}`;
export const endpointChain = (r: ServiceRoute, endpoint: string) =>
  `KEDGE-SEP-${hash(`${r.id}>${endpoint}`)}`;

/** Whether `chain` is one of the per-Service or per-endpoint chains this proxy writes. */
const isOwnedChain = (chain: string) => chain.startsWith('KEDGE-SVC-') || chain.startsWith('KEDGE-SEP-');

/** The iptables-restore text for `routes`; `existing` are the owned chains in the table now. */
export function natRules(routes: readonly ServiceRoute[], existing: Iterable<string> = []): string {
  const chains: string[] = [SERVICES_CHAIN, POSTROUTING_CHAIN];
  const rules: string[] = [
    `-A ${POSTROUTING_CHAIN} -m mark --mark ${MASQUERADE_MARK} -m comment --comment "kedge service traffic" -j MASQUERADE`,
  ];
  for (const r of routes) {
    if (r.endpoints.length === 0) continue;
    const svc = serviceChain(r);
    chains.push(svc);
    rules.push(
      `-A ${SERVICES_CHAIN} -d ${r.clusterIP}/32 -p ${r.protocol} -m ${r.protocol} --dport ${r.port} ` +
        `-m comment --comment "${r.id}" -j ${svc}`,
    );
    r.endpoints.forEach((endpoint, i) => {
      const sep = endpointChain(r, endpoint);
      chains.push(sep);
      const left = r.endpoints.length - i;
      const pick = left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)} ` : '';
      rules.push(`-A ${svc} ${pick}-j ${sep}`);
      rules.push(`-A ${sep} -j MARK --set-xmark ${MASQUERADE_MARK}`);
      rules.push(`-A ${sep} -p ${r.protocol} -m ${r.protocol} -j DNAT --to-destination ${endpoint}`);
    });
  }
  const wanted = new Set(chains);
  const stale = [...new Set(existing)].filter((c) => isOwnedChain(c) && !wanted.has(c)).sort();
  return [
    '*nat',
    // Declaring a chain in a restore flushes it (creating it if missing); stale ones are emptied, then deleted.
    ...[...chains, ...stale].map((c) => `:${c} - [0:0]`),
    ...rules,
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

/** The owned chains declared in `iptables-save -t nat` output. */
export function ownedChainsIn(save: string): string[] {
  return save
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0] ?? '')
    .filter(isOwnedChain);
}
