// An edge node joined the way docs/deploy.md tells an operator: `keadm
// gettoken --kubeconfig` on the cloud side, `keadm join` with every cloudcore
// address and a release to install, then what the unit keadm join wrote
// would run (its launcher, which runs edgecore and swaps versions on
// upgrade), here as a child of the test instead of under systemd, restarted
// as the unit's Restart=always / RestartSec ask (the launcher exits after an
// upgrade so that its service manager starts it on the new version). Several
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
  /** cloudcore's certificate port on the first address's host (keadm join --certport; default 10002). */
  certPort?: number;
  /** kubeconfig keadm gettoken reads the token Secret and CA with. */
  kubeconfig: string;
  /** The release (directory) keadm join installs. */
  release: string;
}

export interface JoinedEdge {
  name: string;
  /** The launcher running now (a new one after each restart). */
  launcher: ManagedProcess;
  /** The metaServer's URL (GET /healthz reports the running version). */
  metaServerUrl: string;
  stop(): Promise<void>;
}

const INSTALL_ROOT = '/opt/kedge';

/** The unit keadm join wrote: its launcher command (paths taken under `root`) and RestartSec. */
function readUnit(root: string): { args: string[]; restartMs: number } {
  const unit = readFileSync(join(root, 'etc/systemd/system/edgecore.service'), 'utf8').split('\n');
  const value = (key: string): string =>
    (unit.find((l) => l.startsWith(`${key}=`)) ?? '').slice(key.length + 1).trim();
  if (value('Restart') !== 'always') throw new Error(`${root}: the unit no longer says Restart=always`);
  const [, ...args] = value('ExecStart').split(/\s+/);
  return {
    args: args.map((a) => (a.startsWith('/') ? join(root, a) : a)),
    restartMs: Number(value('RestartSec') || '0') * 1000,
  };
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
    ...(o.certPort === undefined ? [] : ['--certport', String(o.certPort)]),
    ...['--root', o.root, '--install-root', INSTALL_ROOT, '--release', o.release, '--set', set.join(',')],
  ]);
  const unit = readUnit(o.root);
  let stopped = false;
  const edge: JoinedEdge = {
    name: o.name,
    launcher: startProcess({ name: o.name, args: unit.args }),
    metaServerUrl: `http://127.0.0.1:${metaPort}`,
    stop: async () => {
      stopped = true;
      await edge.launcher.kill();
    },
  };
  const restartWhenExited = (): void => {
    void edge.launcher.exited.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, unit.restartMs));
      if (stopped) return;
      edge.launcher = startProcess({ name: o.name, args: unit.args });
      restartWhenExited();
    });
  };
  restartWhenExited();
  return edge;
}
