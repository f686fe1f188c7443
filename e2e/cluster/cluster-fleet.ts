// Cluster mode on this machine: a real kube-apiserver + etcd (audit log on),
// the CRDs and configs/k8s/rbac.yaml applied with kubectl, one ServiceAccount
// token per process, controllermanager(s) and cloudcore replicas on the
// Kubernetes store through localup, a registry with edgecore releases, and
// edge nodes installed from a release under the supervisor, each knowing
// every cloudcore address.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeReadyCondition, type ResourceOf } from '@kedge/api';
import {
  LocalCloud,
  LocalEdge,
  LocalReleases,
  type CloudCoreReplica,
  type LocalCloudOptions,
  type PublishedRelease,
} from '@kedge/localup';
import { openKubernetesStore, type ResourceStore } from '@kedge/store';
import {
  repoRoot,
  startKubeApiServer,
  tempDir,
  waitFor,
  type TempDir,
  type TestKubeApiServer,
} from '@kedge/testing';
import { parseAllDocuments } from 'yaml';
import { auditArgs } from './audit-log.ts';

export type UpgradeJob = ResourceOf<'NodeUpgradeJob'>;

export const NAMESPACE = 'kubeedge';
export const RBAC_FILE = join(repoRoot(), 'configs/k8s/rbac.yaml');
const CRDS = [
  'configupdatejobs.operations.kubeedge.io',
  'edgeapplications.apps.kubeedge.io',
  'imageprepulljobs.operations.kubeedge.io',
  'nodegroups.apps.kubeedge.io',
  'nodeupgradejobs.operations.kubeedge.io',
];

export interface ClusterFleetOptions {
  /** Keep the API server's ServiceAccount admission on (needs kube-controller-manager). */
  serviceAccountAdmission?: boolean;
  /** More LocalCloud options (timings). */
  cloud?: Partial<LocalCloudOptions>;
  /** Start the release registry and publish v1.0.0 (default true; node upgrades need it). */
  releases?: boolean;
}

export const saUser = (name: string): string => `system:serviceaccount:${NAMESPACE}:${name}`;

export class ClusterFleet {
  dir!: TempDir;
  kube!: TestKubeApiServer;
  auditLog!: string;
  /** The test's admin view of the API server. */
  admin!: ResourceStore;
  cloud!: LocalCloud;
  releases!: LocalReleases;
  base!: PublishedRelease;
  readonly edges = new Map<string, LocalEdge>();

  async start(options: ClusterFleetOptions = {}): Promise<void> {
    this.dir = await tempDir('kedge-cluster-');
    const audit = auditArgs(this.dir.path);
    this.auditLog = audit.logFile;
    this.kube = await startKubeApiServer({
      extraArgs: audit.args,
      serviceAccountAdmission: options.serviceAccountAdmission ?? false,
    });
    await this.kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/crds')]);
    await this.kube.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...CRDS.map((n) => `crd/${n}`),
    ]);
    await this.kube.kubectl(['create', 'namespace', NAMESPACE]);
    await this.kube.kubectl(['apply', '-f', RBAC_FILE]);
    const kubeconfigs = {
      cloudcore: await this.kubeconfigOf('cloudcore'),
      controllermanager: await this.kubeconfigOf('controllermanager'),
    };
    this.admin = await openKubernetesStore({ kubeconfig: this.kube.kubeconfigPath });
    this.cloud = new LocalCloud({
      dir: this.dir.path,
      keepaliveTimeout: 6,
      kubernetes: { kubeconfigFor: (process) => kubeconfigs[process], store: this.admin },
      leaderElection: { leaseDuration: 4, renewDeadline: 3, retryPeriod: 0.5 },
      ...options.cloud,
    });
    if (options.releases === false) return;
    this.releases = await LocalReleases.start(this.dir.path);
    this.base = await this.releases.publish('v1.0.0');
  }

  /** A kubeconfig with a fresh token of ServiceAccount kubeedge/<name> (created if missing). */
  async kubeconfigOf(serviceAccount: string): Promise<string> {
    return this.kube.kubeconfigFor(await this.kube.serviceAccountToken(NAMESPACE, serviceAccount));
  }

  /** Installs `name` from the base release, dialling `servers` in that order. */
  async addEdge(name: string, servers: CloudCoreReplica[]): Promise<LocalEdge> {
    const [first, ...more] = servers.map((s) => s.address);
    const edge = await LocalEdge.create(this.dir.path, {
      name,
      server: first ?? '',
      servers: more,
      token: this.cloud.token(name),
      taskManager: true,
      release: this.base.dir,
      heartbeat: 1,
      healthTimeout: 60,
    });
    await edge.start();
    this.edges.set(name, edge);
    return edge;
  }

  async waitReady(names: string[], timeoutMs = 30_000): Promise<void> {
    for (const name of names) {
      await waitFor(
        async () => {
          const n = await this.admin.get('Node', name);
          return n && nodeReadyCondition(n)?.status === 'True';
        },
        { what: `${name} Ready`, timeoutMs },
      );
    }
  }

  /** The replica that holds `node` (Node annotation `cloudcore`). */
  async holder(node: string): Promise<string | undefined> {
    return (await this.admin.get('Node', node))?.metadata.annotations?.['cloudcore'];
  }

  async createJob(name: string, spec: Partial<UpgradeJob['spec']>): Promise<void> {
    await this.admin.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name },
      spec: { image: this.releases.image, ...spec },
    } as UpgradeJob);
  }

  job(name: string): Promise<UpgradeJob | undefined> {
    return this.admin.get('NodeUpgradeJob', name);
  }

  async finished(name: string, timeoutMs = 150_000): Promise<UpgradeJob> {
    return waitFor(
      async () => {
        const j = await this.job(name);
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: `job ${name} finished`, timeoutMs, intervalMs: 250 },
    );
  }

  /** The version the node's edgecore reports right now, from its metaServer. */
  async runningVersion(node: string): Promise<string> {
    const edge = this.edges.get(node);
    if (!edge) throw new Error(`no edge ${node}`);
    const res = await fetch(`${edge.metaServerUrl}/healthz`);
    return ((await res.json()) as { version: string }).version;
  }

  /** The Lease holder of controllermanager leader election, and which local process that is. */
  async leader(): Promise<{ identity: string; process: string | undefined }> {
    const lease = await this.admin.get('Lease', 'kedge-controllermanager', NAMESPACE);
    const identity = lease?.spec?.holderIdentity ?? '';
    const process = this.cloud.controllerManagers.find((c) =>
      identity !== '' ? c.process?.stdout().includes(`"identity":"${identity}"`) : false,
    )?.id;
    return { identity, process };
  }

  async close(): Promise<void> {
    await Promise.all([...this.edges.values()].map((e) => e.stop()));
    await this.cloud?.close();
    await this.admin?.close();
    await this.releases?.stop();
    await this.kube?.stop();
    await this.dir?.cleanup();
  }
}

/** `verb resource` pairs rbac.yaml grants the ServiceAccount kubeedge/<name> (resourceNames ignored). */
export function grantedBy(serviceAccount: string): string[] {
  const docs = parseAllDocuments(readFileSync(RBAC_FILE, 'utf8')).map((d) => d.toJS() as RbacObject);
  const roles = new Set(
    docs
      .filter((d) => d.kind.endsWith('Binding'))
      .filter((b) => b.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount))
      .map((b) => `${b.roleRef?.kind}/${b.roleRef?.name}`),
  );
  const granted = new Set<string>();
  for (const role of docs.filter((d) => roles.has(`${d.kind}/${d.metadata.name}`))) {
    for (const rule of role.rules ?? []) {
      for (const verb of rule.verbs)
        for (const resource of rule.resources) granted.add(`${verb} ${resource}`);
    }
  }
  return [...granted].sort();
}

interface RbacObject {
  kind: string;
  metadata: { name: string };
  rules?: { resources: string[]; verbs: string[] }[];
  subjects?: { kind: string; name: string }[];
  roleRef?: { kind: string; name: string };
}
