// A job of the other node task API (feature gate disableNodeTaskV1alpha2)
// gets a status saying why nothing happens and which gate runs it, written
// once by the controller that leaves it alone; the job's own controller
// treats that status as "not initialised" (isModeSkipStatus).
import {
  isModeSkipStatus,
  modeSkipStatus,
  type NodeTaskJob,
  type NodeTaskKind,
  type NodeTaskMode,
} from '@kedge/api';
import { mutate, type ResourceStore } from '@kedge/store';

/** Writes the mode-skip status on a job without a status of its own (or with an outdated one). */
export async function recordModeSkip(
  store: ResourceStore,
  kind: NodeTaskKind,
  name: string,
  mode: NodeTaskMode,
): Promise<void> {
  // The version the job was created at, as the store read it (from managedFields for a job made with
  // kubectl), is kept on the object first: a later write may leave the API server no managedFields to read.
  await mutate(store, kind, name, (cur: NodeTaskJob) =>
    cur.metadata.deletionTimestamp === undefined && cur.status === undefined ? cur : undefined,
  );
  await mutate(
    store,
    kind,
    name,
    (cur: NodeTaskJob) => {
      if (cur.metadata.deletionTimestamp !== undefined) return undefined;
      if (cur.status !== undefined && !isModeSkipStatus(cur.status)) return undefined;
      const status = modeSkipStatus(cur, mode);
      if (cur.status?.reason === status.reason) return undefined;
      return { ...cur, status } as NodeTaskJob;
    },
    { status: true },
  );
}
