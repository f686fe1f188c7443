// An edge node joined the way docs/deploy.md tells an operator: `keadm
// gettoken --kubeconfig` on the cloud side, `keadm join` with every cloudcore
// address and a release to install, then what the unit keadm join wrote
// would run (its launcher, which runs edgecore and swaps versions on
// upgrade), here as a child of the test instead of under systemd. Several
// edges share this machine, so each joins under a root of its own and --set
// points its state, certificates and metaServer port there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keadm } from '@kedge/localup';
import { freePort, startProcess, type ManagedProcess } from '@kedge/testing';

export interface JoinedEdgeOptions {
  name: string;
  /** This edge's directory: the root keadm join writes under. */
  root: string;
  /** cloudcore addresses (host:port), dialled in this order. */
  cloudcore: string[];
  /** kubeconfig keadm gettoken reads the token Secret and CA with. */
  kubeconfig: string;
  /** The release (directory) keadm join installs. */
  release: string;
}

export interface JoinedEdge {
  name: string;
  launcher: ManagedProcess;
  /** The metaServer's URL (GET /healthz reports the running version). */
  metaServerUrl: string;
  stop(): Promise<void>;
}

const INSTALL_ROOT = '/opt/kedge';

/** The launcher command of the unit keadm join wrote, with its paths taken under `root`. */
function unitCommand(root: string): string[] {
  const unit = readFileSync(join(root, 'etc/systemd/system/edgecore.service'), 'utf8');
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart=')) ?? '';
  const [, ...args] = line.slice('ExecStart='.length).trim().split(/\s+/);
  return args.map((a) => (a.startsWith('/') ? join(root, a) : a));
}

export async function joinEdge(o: JoinedEdgeOptions): Promise<JoinedEdge> {
  const token = (await keadm(['gettoken', '--node', o.name, '--kubeconfig', o.kubeconfig])).trim();
  const metaPort = await freePort();
  const under = (p: string): string => join(o.root, p);
  const set = [
    `database.dataSource=${under('var/lib/kubeedge/edgecore.db')}`,
    `modules.edgeHub.tlsCaFile=${under('etc/kedge/ca/rootCA.crt')}`,
    `modules.edgeHub.tlsCertFile=${under('etc/kedge/certs/server.crt')}`,
    `modules.edgeHub.tlsPrivateKeyFile=${under('etc/kedge/certs/server.key')}`,
    `modules.metaManager.metaServer.server=127.0.0.1:${metaPort}`,
    'modules.taskManager.enable=true',
  ];
  await keadm([
    'join',
    ...['--cloudcore-ipport', o.cloudcore.join(','), '--token', token, '--node-name', o.name],
    ...['--root', o.root, '--install-root', INSTALL_ROOT, '--release', o.release, '--set', set.join(',')],
  ]);
  const launcher = startProcess({ name: o.name, args: unitCommand(o.root) });
  return {
    name: o.name,
    launcher,
    metaServerUrl: `http://127.0.0.1:${metaPort}`,
    stop: () => launcher.kill(),
  };
}
