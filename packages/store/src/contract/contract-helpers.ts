// Object builders and watch helpers for the ResourceStore contract suite.
// Every object a contract test writes carries the label `kedge-contract=<run>`
// and a name starting with the run id, so the suite can share a real API
// server with other tests (and with itself) without seeing their objects.
import { randomBytes } from 'node:crypto';
import { isKindName, type KindName, type ResourceOf } from '@kedge/api';
import type { ResourceStore, WatchEvent, WatchOptions } from '../resource-store.ts';

const RUN_LABEL = 'kedge-contract';

/** Present once @kedge/api serves the core Event kind; namespaced tests need it. */
export const EVENT_KIND: KindName | undefined = isKindName('Event')
  ? ('Event' as string as KindName)
  : undefined;

export interface TestRun {
  id: string;
  selector: string;
  name(suffix: string): string;
  labels(extra?: Record<string, string>): Record<string, string>;
}

export function newRun(): TestRun {
  const id = `c${randomBytes(4).toString('hex')}`;
  return {
    id,
    selector: `${RUN_LABEL}=${id}`,
    name: (suffix) => `${id}-${suffix}`,
    labels: (extra = {}) => ({ [RUN_LABEL]: id, ...extra }),
  };
}

export function nodeObject(
  run: TestRun,
  suffix: string,
  more: {
    labels?: Record<string, string>;
    finalizers?: string[];
    unschedulable?: boolean;
  } = {},
): ResourceOf<'Node'> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: run.name(suffix),
      labels: run.labels(more.labels),
      ...(more.finalizers ? { finalizers: more.finalizers } : {}),
    },
    spec: { unschedulable: more.unschedulable ?? false },
  };
}

/** A core/v1 Event about a pod in `namespace` (omitted = the store's default). */
export function eventObject(run: TestRun, suffix: string, namespace?: string): ResourceOf<KindName> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: run.name(suffix), ...(namespace ? { namespace } : {}), labels: run.labels() },
    involvedObject: { kind: 'Pod', name: 'p', namespace: namespace ?? 'default' },
    reason: 'ContractTest',
    message: `event ${suffix}`,
    type: 'Normal',
    source: { component: 'kedge-contract' },
  } as unknown as ResourceOf<KindName>;
}

export function versionOf(obj: unknown): string {
  return (obj as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

export function nameOf(obj: unknown): string {
  return (obj as { metadata: { name: string } }).metadata.name;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; context: Record<string, unknown> }> {
  try {
    await p;
  } catch (err: unknown) {
    return err as { code: string; message: string; context: Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * Collects the first `count` events of a watch (then stops it), or fails
 * after `timeoutMs` listing what did arrive.
 */
export async function collect<K extends KindName>(
  store: ResourceStore,
  kind: K,
  options: Omit<WatchOptions, 'signal'>,
  count: number,
  timeoutMs = 10_000,
): Promise<WatchEvent<K>[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error('timeout')), timeoutMs);
  const events: WatchEvent<K>[] = [];
  try {
    for await (const e of store.watch(kind, { ...options, signal: stop.signal })) {
      events.push(e);
      if (events.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  if (events.length < count) {
    const seen = events.map((e) => `${e.type} ${nameOf(e.object)}`).join(', ');
    throw new Error(
      `watch ${kind}: got ${events.length} of ${count} events within ${timeoutMs} ms: [${seen}]`,
    );
  }
  return events;
}

export function summary(events: WatchEvent<KindName>[]): string[] {
  return events.map((e) => `${e.type} ${nameOf(e.object)}`);
}
