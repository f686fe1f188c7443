import { rfc3339, type Deployment, type Pod, type ReplicaSet } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { deploymentStatus } from './deployment-status.ts';
import { planReplicas, podForReplicaSet } from './plan-replicas.ts';
import { planRollout } from './plan-rollout.ts';
import { resolveIntOrPercent, rolloutBounds } from './rollout-math.ts';
import { deployment, T0 } from './workload-fixtures.ts';
import { viewWorkload } from './workload-view.ts';

/** Deployment + ReplicaSet controllers and an edged that makes every pod Ready one tick after it appears. */
class Simulation {
  d: Deployment;
  rs: ReplicaSet[] = [];
  pods: Pod[] = [];
  now = T0;
  #n = 0;
  readonly seen: { pods: number; available: number }[] = [];

  constructor(d: Deployment) {
    this.d = d;
  }

  view() {
    return viewWorkload(this.d, this.rs, this.pods, this.now);
  }

  #record(): void {
    const v = this.view();
    const all = [...v.old, ...(v.newRS ? [v.newRS] : [])];
    this.seen.push({ pods: this.pods.length, available: all.reduce((n, x) => n + x.available, 0) });
  }

  /** Deployment passes per tick: more than 1 = the ReplicaSet controller lags behind. */
  deploymentPasses = 1;

  tick(): void {
    for (let pass = 0; pass < this.deploymentPasses; pass++) {
      const step = planRollout(this.d, this.view());
      if (step.create)
        this.rs.push({ ...step.create, metadata: { ...step.create.metadata, uid: `rs-${++this.#n}` } });
      for (const s of step.scale) {
        const rs = this.rs.find((r) => r.metadata.name === s.name)!;
        rs.spec.replicas = s.replicas;
      }
    }
    this.#record();
    const existing = new Set(this.pods.map((p) => p.metadata.name));
    for (const rs of this.rs) {
      const plan = planReplicas(rs, this.pods, this.now);
      this.pods = this.pods.filter((p) => !plan.delete.includes(p.metadata.name));
      for (let i = 0; i < plan.create; i++) {
        const p = podForReplicaSet(rs, () => (++this.#n % 27) / 27);
        this.pods.push({
          ...p,
          metadata: { ...p.metadata, name: `${p.metadata.name}-${this.#n}`, uid: `p-${this.#n}` },
        });
      }
      this.#record();
    }
    this.now += 1000;
    for (const p of this.pods) {
      if (existing.has(p.metadata.name)) {
        p.status = {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(new Date(this.now)) }],
        };
      }
    }
  }

  complete(): boolean {
    const s = deploymentStatus(this.d, this.view(), this.now);
    return s.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable';
  }

  runToCompletion(): number {
    for (let i = 1; i <= 200; i++) {
      this.tick();
      if (this.complete()) return i;
    }
    throw new Error('rollout did not complete in 200 ticks');
  }
}

describe('resolveIntOrPercent', () => {
  it('rounds maxSurge up and maxUnavailable down, as Kubernetes does', () => {
    expect(resolveIntOrPercent('25%', 3, true)).toBe(1);
    expect(resolveIntOrPercent('25%', 3, false)).toBe(0);
    expect(resolveIntOrPercent('25%', 10, true)).toBe(3);
    expect(resolveIntOrPercent('25%', 10, false)).toBe(2);
    expect(resolveIntOrPercent(2, 10, false)).toBe(2);
  });

  it('lets one pod be unavailable when both bounds resolve to 0 (else nothing could move)', () => {
    const d = deployment({
      replicas: 2,
      strategy: { rollingUpdate: { maxSurge: '10%', maxUnavailable: '10%' } },
    });
    expect(rolloutBounds(d)).toEqual({ replicas: 2, maxSurge: 1, maxUnavailable: 0 });
    const zero = deployment({
      replicas: 2,
      strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '10%' } },
    });
    expect(rolloutBounds(zero)).toEqual({ replicas: 2, maxSurge: 0, maxUnavailable: 1 });
  });
});

describe('planRollout: a first rollout', () => {
  it('creates one owned ReplicaSet with the template hash label and selector, then its pods', () => {
    const sim = new Simulation(deployment());
    sim.tick();
    expect(sim.rs).toHaveLength(1);
    const rs = sim.rs[0]!;
    const hash = rs.metadata.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: 'd-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.replicas).toBe(3);
    expect(sim.pods).toHaveLength(3);
    expect(sim.pods[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ReplicaSet',
      name: rs.metadata.name,
      controller: true,
    });
    expect(sim.pods[0]?.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
  });

  it('reports status from the pods: replicas, ready, available, updated, observedGeneration and conditions', () => {
    const sim = new Simulation(deployment());
    sim.runToCompletion();
    const s = deploymentStatus(sim.d, sim.view(), sim.now);
    expect(s).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
    });
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
  });

  it('keeps condition times when nothing changed', () => {
    const sim = new Simulation(deployment());
    sim.runToCompletion();
    const first = deploymentStatus(sim.d, sim.view(), sim.now);
    sim.d.status = first;
    const later = deploymentStatus(sim.d, sim.view(), sim.now + 60_000);
    expect(later).toEqual(first);
  });
});

const CASES: [number, number | string, number | string][] = [
  [3, 1, 0],
  [3, 0, 1],
  [3, '25%', '25%'],
  [10, '25%', '25%'],
  [5, '50%', 0],
  [4, 0, '50%'],
  [6, 2, 2],
  [1, 0, 1],
  [1, 1, 0],
  [7, '30%', '10%'],
];

describe('planRollout: an image change rolls within maxSurge / maxUnavailable', () => {
  it.each(CASES.flatMap((c) => [[...c, 1] as const, [...c, 3] as const]))(
    'replicas %d, maxSurge %s, maxUnavailable %s; %d Deployment pass(es) per ReplicaSet pass',
    (replicas, maxSurge, maxUnavailable, passes) => {
      const spec = {
        replicas,
        strategy: { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge, maxUnavailable } },
      };
      const sim = new Simulation(deployment(spec));
      sim.deploymentPasses = passes;
      sim.runToCompletion();
      const b = rolloutBounds(sim.d);
      sim.seen.length = 0;
      sim.d = { ...deployment(spec, 'web:2'), metadata: { ...sim.d.metadata, generation: 2 } };
      sim.runToCompletion();
      expect(Math.max(...sim.seen.map((s) => s.pods))).toBeLessThanOrEqual(replicas + b.maxSurge);
      expect(Math.min(...sim.seen.map((s) => s.available))).toBeGreaterThanOrEqual(
        replicas - b.maxUnavailable,
      );
      const v = sim.view();
      expect(v.newRS?.active).toBe(replicas);
      expect(v.old.every((o) => o.spec === 0 && o.active === 0)).toBe(true);
      expect(sim.pods.every((p) => p.spec.containers[0]?.image === 'web:2')).toBe(true);
      expect(v.newRS?.rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    },
  );

  it('with maxUnavailable 0 a new pod must be available before an old one goes', () => {
    const spec = { replicas: 3, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };
    const sim = new Simulation(deployment(spec));
    sim.runToCompletion();
    sim.d = deployment(spec, 'web:2');
    sim.tick();
    // new ReplicaSet created and scaled to 1 (the surge); no old pod removed yet
    expect(sim.view().old[0]?.spec).toBe(3);
    expect(sim.view().newRS?.spec).toBe(1);
    // its pod exists but is not Ready yet: every old pod stays
    sim.tick();
    expect(sim.view().old[0]?.spec).toBe(3);
    // Ready now: one old pod may go
    sim.tick();
    expect(sim.view().old[0]?.spec).toBe(2);
  });

  it('a rollback to the old template reuses its ReplicaSet', () => {
    const sim = new Simulation(deployment());
    sim.runToCompletion();
    const first = sim.rs[0]!.metadata.name;
    sim.d = deployment({}, 'web:2');
    sim.runToCompletion();
    sim.d = deployment({}, 'web:1');
    sim.runToCompletion();
    expect(sim.rs).toHaveLength(2);
    expect(sim.view().newRS?.name).toBe(first);
  });

  it('does nothing while paused', () => {
    const sim = new Simulation(deployment());
    sim.runToCompletion();
    sim.d = deployment({ paused: true }, 'web:2');
    expect(planRollout(sim.d, sim.view())).toEqual({ scale: [] });
    const progressing = deploymentStatus(sim.d, sim.view(), sim.now).conditions?.find(
      (c) => c.type === 'Progressing',
    );
    expect(progressing).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
  });
});

describe('planRollout: scaling and Recreate', () => {
  it('scales the current ReplicaSet up and down with spec.replicas', () => {
    const sim = new Simulation(deployment());
    sim.runToCompletion();
    sim.d = deployment({ replicas: 5 });
    sim.runToCompletion();
    expect(sim.pods).toHaveLength(5);
    sim.d = deployment({ replicas: 1 });
    sim.runToCompletion();
    expect(sim.pods).toHaveLength(1);
  });

  it('Recreate removes every old pod before the new ReplicaSet gets any', () => {
    const spec = { strategy: { type: 'Recreate' as const } };
    const sim = new Simulation(deployment(spec));
    sim.runToCompletion();
    sim.d = deployment(spec, 'web:2');
    for (let i = 0; i < 10 && !sim.complete(); i++) {
      sim.tick();
      const v = sim.view();
      const oldPods = v.old.reduce((n, o) => n + o.active, 0);
      expect(oldPods > 0 && (v.newRS?.active ?? 0) > 0).toBe(false);
    }
    expect(sim.complete()).toBe(true);
  });
});

describe('minReadySeconds (fake clock)', () => {
  it('counts a ready pod available only after minReadySeconds and says when', () => {
    const d = deployment({ minReadySeconds: 30 });
    const sim = new Simulation(d);
    sim.tick();
    sim.tick();
    const v = sim.view();
    expect(v.newRS?.ready).toBe(3);
    expect(v.newRS?.available).toBe(0);
    expect(v.availableInMs).toBe(30_000);
    sim.now += 30_000;
    expect(sim.view().newRS?.available).toBe(3);
  });
});
