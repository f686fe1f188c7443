// A pod's sandbox for its worker: the PodSandboxSpec edged derives from the
// pod (identity, hostname, log directory, hostPorts, cgroup parent, labels),
// adopting a ready sandbox an earlier edgecore left (found by the pod's
// labels, newest attempt first), or running a fresh one with the next attempt
// number after removing any dead sandboxes of the pod.
import type { PodPort, PodRuntime, PodSandboxSpec, PodContainerSummary } from './runtime/index.ts';
import { podNamespace, type EdgePod } from './pod-spec.ts';

export interface PodSandboxRun {
  id: string;
  ip: string;
  createdAt?: string;
  spec: PodSandboxSpec;
}

export function sandboxSpecOf(
  pod: EdgePod,
  attempt: number,
  podLogsRoot: string,
  cgroupRoot?: string,
): PodSandboxSpec {
  const uid = pod.metadata.uid ?? '';
  const ports: PodPort[] = pod.spec.containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
      .map((p) => ({
        containerPort: p.containerPort,
        ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
        ...(p.hostIP ? { hostIp: p.hostIP } : {}),
      })),
  );
  return {
    pod: { namespace: podNamespace(pod), name: pod.metadata.name, uid, attempt },
    ...(typeof pod.spec['hostname'] === 'string' && pod.spec['hostname']
      ? { hostname: pod.spec['hostname'] }
      : {}),
    podLogsRoot,
    ...(cgroupRoot ? { cgroupParent: `${cgroupRoot}/pod${uid}` } : {}),
    ports,
    labels: { ...pod.metadata.labels },
    ...(typeof pod.spec.terminationGracePeriodSeconds === 'number'
      ? { terminationGraceSeconds: pod.spec.terminationGracePeriodSeconds }
      : {}),
  };
}

function identity(pod: EdgePod): { namespace: string; name: string; uid: string } {
  return { namespace: podNamespace(pod), name: pod.metadata.name, uid: pod.metadata.uid ?? '' };
}

/** The pod's ready sandbox with its containers, when the runtime still has one. */
export async function adoptSandbox(
  runtime: PodRuntime,
  pod: EdgePod,
  podLogsRoot: string,
  cgroupRoot?: string,
): Promise<{ run: PodSandboxRun; containers: PodContainerSummary[] } | undefined> {
  const found = (await runtime.listPods(identity(pod)))
    .filter((p) => p.sandbox.ready)
    .sort((a, b) => b.sandbox.pod.attempt - a.sandbox.pod.attempt)[0];
  if (!found) return undefined;
  const state = await runtime.sandboxStatus(found.sandbox.id);
  return {
    run: {
      id: state.id,
      ip: state.ip,
      ...(state.createdAt ? { createdAt: state.createdAt } : {}),
      spec: sandboxSpecOf(pod, state.pod.attempt, podLogsRoot, cgroupRoot),
    },
    containers: found.containers,
  };
}

/** Removes the pod's dead sandboxes and runs a new one (attempt after the last, and after `after`). */
export async function freshSandbox(
  runtime: PodRuntime,
  pod: EdgePod,
  podLogsRoot: string,
  cgroupRoot?: string,
  after = -1,
): Promise<PodSandboxRun> {
  const old = await runtime.listPods(identity(pod));
  for (const p of old) {
    await runtime.stopPod(p.sandbox.id, 0);
    await runtime.removePod(p.sandbox.id);
  }
  const attempt = Math.max(after, ...old.map((p) => p.sandbox.pod.attempt)) + 1;
  const spec = sandboxSpecOf(pod, attempt, podLogsRoot, cgroupRoot);
  const state = await runtime.runSandbox(spec);
  return { id: state.id, ip: state.ip, ...(state.createdAt ? { createdAt: state.createdAt } : {}), spec };
}
