// Bus module `installcommitter` (group `meta`, so it hears EdgeHub's
// cloud_connected): once this edgecore is registered with the cloud, a
// version or config on trial is healthy and connected, so it commits the
// markers. Always on under an install root, whether or not the task manager
// runs: an operator's `keadm edge upgrade` needs the commit too. The task
// manager may call commitUpgrade / commitConfigUpdate itself as well; both
// are idempotent.
import { EdgeGroups, Operations, errorMessage, hasCode } from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import type { Clock } from '@kedge/runtime';
import { CloudConnection } from '../metamanager/meta-manager.ts';
import {
  commitConfigUpdate,
  commitUpgrade,
  type CommitResult,
  type ConfigUpdateMarker,
  type InstallLayout,
  type UpgradeMarker,
} from '@kedge/installer';

const INSTALL_COMMITTER_MODULE = 'installcommitter';

export interface InstallCommitterOptions {
  layout: InstallLayout;
  /** The version this process runs (edgecoreVersion()). */
  runningVersion: string;
  /** sha256 of the edgecore.yaml bytes this process loaded at start; undefined when it ran without a file. */
  loadedConfigSha256: string | undefined;
  clock: Clock;
  /** Told about every commit made (after the marker is written). */
  onCommit?: (result: {
    upgrade: CommitResult<UpgradeMarker>;
    configUpdate: CommitResult<ConfigUpdateMarker> | undefined;
  }) => void;
}

export class InstallCommitter implements Module {
  readonly name = INSTALL_COMMITTER_MODULE;
  readonly group = EdgeGroups.meta;
  readonly enabled = true;
  readonly #o: InstallCommitterOptions;

  constructor(options: InstallCommitterOptions) {
    this.#o = options;
  }

  async start(ctx: ModuleContext): Promise<void> {
    while (!ctx.signal.aborted) {
      let op: string;
      try {
        op = (await ctx.receive()).route.operation;
      } catch (err: unknown) {
        if (ctx.signal.aborted || hasCode(err, 'KEDGE_BUS_STOPPED')) return;
        throw err;
      }
      if (op === CloudConnection.connected || op === Operations.connected) this.commitNow(ctx);
    }
  }

  /** Commits what is on trial for this process; logs the outcome. Never throws. */
  commitNow(ctx: Pick<ModuleContext, 'log'>): void {
    const o = this.#o;
    const now = o.clock.now();
    try {
      const upgrade = commitUpgrade(o.layout, { runningVersion: o.runningVersion, now });
      const configUpdate =
        o.loadedConfigSha256 === undefined
          ? undefined
          : commitConfigUpdate(o.layout, { loadedConfigSha256: o.loadedConfigSha256, now });
      for (const [what, r] of [
        ['upgrade', upgrade],
        ['config update', configUpdate],
      ] as const) {
        if (!r) continue;
        if (r.outcome === 'committed')
          ctx.log.info({ marker: r.marker }, `${what} committed: healthy and connected`);
        if (r.outcome === 'deadlinePassed')
          ctx.log.warn(
            { marker: r.marker },
            `${what} connected after its deadline; the launcher will roll it back`,
          );
      }
      if (upgrade.outcome === 'committed' || configUpdate?.outcome === 'committed') {
        o.onCommit?.({ upgrade, configUpdate });
      }
    } catch (err: unknown) {
      ctx.log.error({ err: errorMessage(err) }, 'could not commit the install markers');
    }
  }
}
