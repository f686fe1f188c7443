// The demo's node group step: two NodeGroups over the demo's nodes (the pod
// nodes when pods can run here, else the plain edge nodes) and one
// EdgeApplication (a Deployment of an HTTP server answering its pod name,
// and a Service) rendered once per group with a per-group replicas
// overrider, applied with kedgectl; then `kedgectl get nodegroups` and the
// rendered Deployments (and their pods, where pods run).
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { systemClock, type Clock } from '@kedge/runtime';
import type { LocalCloud } from '../local-cloud.ts';

export interface DemoNodeGroupsOptions {
  dir: string;
  cloud: LocalCloud;
  /** The kedgectl command line (with --store). */
  kedgectl: string;
  /** Nodes to split into the two groups (at least two). */
  nodes: string[];
  /** The web Deployment's manifest (demo-pods.ts), when pods can run; else a placeholder image is used. */
  template?: Record<string, unknown>;
  /** Time for the waits; default the system clock. */
  clock?: Clock;
}

export const DEMO_GROUPS = ['group-a', 'group-b'] as const;
export const DEMO_APP = { name: 'hello', namespace: 'default' } as const;

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);

/** The two groups: the first half of the nodes (rounded up) and the rest. */
function splitNodes(nodes: string[]): [string[], string[]] {
  const half = Math.ceil(nodes.length / 2);
  return [nodes.slice(0, half), nodes.slice(half)];
}

function manifests(o: DemoNodeGroupsOptions): Record<string, unknown>[] {
  const [a, b] = splitNodes(o.nodes);
  const groups = DEMO_GROUPS.map((name, i) => ({
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'NodeGroup',
    metadata: { name },
    spec: { nodes: i === 0 ? a : b },
  }));
  const deployment = structuredClone(o.template ?? placeholderDeployment());
  const meta = deployment['metadata'] as Record<string, unknown>;
  meta['name'] = DEMO_APP.name;
  delete meta['namespace'];
  const spec = deployment['spec'] as Record<string, unknown>;
  spec['selector'] = { matchLabels: { app: DEMO_APP.name } };
  const template = spec['template'] as { metadata: { labels: Record<string, string> } };
  template.metadata.labels = { app: DEMO_APP.name };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DEMO_APP.name },
    spec: { selector: { app: DEMO_APP.name }, ports: [{ port: 80, targetPort: 8080 }] },
  };
  const app = {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'EdgeApplication',
    metadata: DEMO_APP,
    spec: {
      workloadTemplate: { manifests: [deployment, service] },
      workloadScope: {
        targetNodeGroups: [
          { name: DEMO_GROUPS[0], overriders: { replicas: a.length } },
          { name: DEMO_GROUPS[1], overriders: { replicas: b.length } },
        ],
      },
    },
  };
  return [...groups, app];
}

function placeholderDeployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEMO_APP.name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: DEMO_APP.name } },
      template: {
        metadata: { labels: { app: DEMO_APP.name } },
        spec: { containers: [{ name: 'web', image: 'busybox:1.36', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** Applies the groups and the app; true once every member joined and both Deployments exist (within `timeoutMs`). */
export async function runNodeGroups(o: DemoNodeGroupsOptions, timeoutMs = 60_000): Promise<boolean> {
  if (o.nodes.length < 2) {
    say(`skipping node groups: they need two nodes, the demo has ${o.nodes.length}`);
    return true;
  }
  const file = join(o.dir, 'node-groups.yaml');
  writeFileSync(
    file,
    manifests(o)
      .map((m) => stringify(m))
      .join('---\n'),
  );
  const [a, b] = splitNodes(o.nodes);
  say(
    `node groups: ${DEMO_GROUPS[0]} (${a.join(', ')}) and ${DEMO_GROUPS[1]} (${b.join(', ')}); an EdgeApplication with a Deployment and a Service`,
  );
  console.log(`$ kedgectl apply -f ${file}`);
  process.stdout.write(execSync(`${o.kedgectl} apply -f ${file}`, { encoding: 'utf8' }));
  const clock = o.clock ?? systemClock;
  const deadline = clock.now() + timeoutMs;
  let ok = false;
  while (!ok && clock.now() < deadline) {
    ok = await settled(o);
    if (!ok) await clock.sleep(250);
  }
  say('node groups');
  process.stdout.write(execSync(`${o.kedgectl} get nodegroups`, { encoding: 'utf8' }));
  for (const name of DEMO_GROUPS) {
    const selector = `apps.kubeedge.io/belonging-to=${name}`;
    console.log(`$ kedgectl get nodes -l ${selector}`);
    process.stdout.write(execSync(`${o.kedgectl} get nodes -l ${selector}`, { encoding: 'utf8' }));
  }
  say('the EdgeApplication and its Deployments, one per group');
  process.stdout.write(execSync(`${o.kedgectl} get edgeapplications`, { encoding: 'utf8' }));
  process.stdout.write(execSync(`${o.kedgectl} get deployments -o wide`, { encoding: 'utf8' }));
  if (!ok) console.log(`the groups or the app did not settle within ${timeoutMs / 1000} s`);
  return ok;
}

async function settled(o: DemoNodeGroupsOptions): Promise<boolean> {
  for (const name of DEMO_GROUPS) {
    const g = await o.cloud.store.get('NodeGroup', name);
    const statuses = g?.status?.nodeStatuses ?? [];
    if (statuses.length === 0 || statuses.some((s) => s.selectionStatus !== 'Succeeded')) return false;
    const d = await o.cloud.store.get('Deployment', `${DEMO_APP.name}-${name}`, DEMO_APP.namespace);
    if (d === undefined) return false;
  }
  return true;
}
