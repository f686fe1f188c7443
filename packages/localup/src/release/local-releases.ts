// Edgecore releases for a local fleet: built from this workspace and pushed
// to a real registry (Debian's docker-registry on 127.0.0.1), as the
// installation-package image a NodeUpgradeJob names.
import { join } from 'node:path';
import { pushRelease, type PushedRelease } from '@kedge/oci';
import { startRegistry, type TestRegistry } from '@kedge/testing';
import { buildRelease } from './build-release.ts';

export const RELEASE_REPOSITORY = 'kedge/installation-package';

export interface PublishedRelease {
  version: string;
  dir: string;
  ref: string;
  digest: string;
  pushed: PushedRelease;
}

export class LocalReleases {
  readonly registry: TestRegistry;
  private readonly dir: string;

  private constructor(registry: TestRegistry, dir: string) {
    this.registry = registry;
    this.dir = dir;
  }

  static async start(dir: string, auth?: { username: string; password: string }): Promise<LocalReleases> {
    const registry = await startRegistry(auth ? { auth } : {});
    return new LocalReleases(registry, dir);
  }

  /** `127.0.0.1:<port>/kedge/installation-package`: a job's spec.image. */
  get image(): string {
    return `${this.registry.url}/${RELEASE_REPOSITORY}`;
  }

  /**
   * Builds the workspace's edgecore as `version` and pushes it. `alter` may
   * change the built directory first (tests make broken releases that way).
   */
  async publish(version: string, alter?: (dir: string) => Promise<void> | void): Promise<PublishedRelease> {
    const dir = join(this.dir, 'releases', version);
    await buildRelease({ version, outDir: dir });
    if (alter) await alter(dir);
    const ref = `${this.image}:${version}`;
    const pushed = await pushRelease(ref, dir, { version });
    return { version, dir, ref, digest: pushed.digest, pushed };
  }

  async stop(): Promise<void> {
    await this.registry.stop();
  }
}
