// The real kube-controller-manager and kube-scheduler of the pinned release
// for a test kube-apiserver, on 127.0.0.1 only: the admin kubeconfig (also
// for delegated authentication/authorization of their own endpoints), no
// leader election, kube-controller-manager with the API server's
// service-account signing key and CA (its serviceaccount controller creates
// `default` in each namespace, the token controller signs with that key).
// Each is ready when its /healthz answers 200 (always allowed, no token).
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { requireKubeBinaries } from './kube-binaries.ts';
import { httpsStatus, spawnChild, waitUntil, type Child } from './kube-child.ts';
import type { TestKubeApiServer } from './kube-apiserver.ts';
import { tempDir } from './temp-dir.ts';

export interface StartKubeControlPlaneOptions {
  /** kube-controller-manager `--controllers` (default `*`: every controller on by default). */
  controllers?: string;
  /** More kube-controller-manager flags (e.g. `--node-monitor-grace-period=12s`). */
  controllerManagerArgs?: string[];
  /** More kube-scheduler flags. */
  schedulerArgs?: string[];
}

export interface TestKubeControlPlane {
  /** Output of kube-controller-manager and kube-scheduler, for failing tests. */
  output(): string;
  /** The output of one of them so far. */
  logOf(name: 'kube-controller-manager' | 'kube-scheduler'): string;
  stop(): Promise<void>;
}

export async function startKubeControlPlane(
  kube: TestKubeApiServer,
  options: StartKubeControlPlaneOptions = {},
): Promise<TestKubeControlPlane> {
  const bin = requireKubeBinaries();
  const dir = await tempDir('kedge-kube-cp-');
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.splice(0).reverse()) await child.stop();
    await dir.cleanup();
  };
  const kubeconfig = kube.kubeconfigPath;
  const common = (name: string, port: number): string[] => [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir.path, name)}`,
    '--leader-elect=false',
    '--v=1',
  ];
  const start = async (name: string, binary: string, args: (port: number) => string[]): Promise<void> => {
    const port = await freePort();
    const child = spawnChild(name, binary, [...common(name, port), ...args(port)]);
    children.push(child);
    await waitUntil(child, `https://127.0.0.1:${port}/healthz answered 200`, 120_000, async () => {
      return (await httpsStatus(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false })) === 200;
    });
  };
  try {
    await start('kube-controller-manager', bin.kubeControllerManager, () => [
      `--controllers=${options.controllers ?? '*'}`,
      `--service-account-private-key-file=${kube.serviceAccountKeyFile}`,
      `--root-ca-file=${kube.caFile}`,
      ...(options.controllerManagerArgs ?? []),
    ]);
    await start('kube-scheduler', bin.kubeScheduler, () => [...(options.schedulerArgs ?? [])]);
  } catch (err) {
    await stop();
    throw err;
  }
  const logOf = (name: string): string => {
    const child = children.find((c) => c.name === name);
    return child ? child.log.text('stdout') + child.log.text('stderr') : '';
  };
  return {
    output: () => children.map((c) => `--- ${c.name}\n${logOf(c.name)}`).join('\n'),
    logOf,
    stop,
  };
}
