// Which pods edged runs: the `pod` objects in metaManager's cache bound to
// this node (spec.nodeName), valid core/v1 Pods with a UID. A pod with a
// deletionTimestamp is to be terminated; one missing from the cache that the
// runtime still has (deleted while edgecore was down) is an orphan.
import { PodSchema, ResourceTypes, describeIssues, type Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { MetaView } from '../metamanager/index.ts';

export interface DesiredPods {
  /** By UID: pods to keep running. */
  run: Map<string, Pod>;
  /** By UID: pods being deleted (deletionTimestamp set): terminate, do not restart. */
  terminate: Map<string, Pod>;
}

/** Reads the node's pods from the cache; an invalid one is logged (once per resourceVersion) and skipped. */
export class PodSet {
  readonly #cache: MetaView;
  readonly #nodeName: string;
  readonly #log: Logger;
  readonly #warned = new Set<string>();

  constructor(cache: MetaView, nodeName: string, log: Logger) {
    this.#cache = cache;
    this.#nodeName = nodeName;
    this.#log = log;
  }

  desired(): DesiredPods {
    const run = new Map<string, Pod>();
    const terminate = new Map<string, Pod>();
    for (const entry of this.#cache.listType(ResourceTypes.pod)) {
      const value = entry.value as { spec?: { nodeName?: unknown } } | undefined;
      if (value?.spec?.nodeName !== this.#nodeName) continue;
      const parsed = PodSchema.safeParse(entry.value);
      const uid = parsed.success ? parsed.data.metadata.uid : undefined;
      if (!parsed.success || !uid) {
        const seen = `${entry.key}@${entry.resourceVersion ?? ''}`;
        if (!this.#warned.has(seen)) {
          this.#warned.add(seen);
          const problems = parsed.success ? ['metadata.uid: required'] : describeIssues(parsed.error);
          this.#log.warn(
            { code: 'KEDGE_RESOURCE_INVALID', resource: entry.key, problems },
            'not running a cached pod that is not a valid core/v1 Pod',
          );
        }
        continue;
      }
      (parsed.data.metadata.deletionTimestamp ? terminate : run).set(uid, parsed.data);
    }
    return { run, terminate };
  }
}
