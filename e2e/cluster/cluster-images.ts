// The cloud images for the cloudcore-as-a-Pod test, from the Docker engine
// scripts/build-images builds into (ensure_docker_engine in scripts/lib.sh):
// built when missing, plus a sandbox ("pause") image made from the cloudcore
// image (its Debian base has coreutils' sleep), saved into one tarball each
// node's containerd imports. Nothing is pulled from a registry.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@kedge/testing';

const run = promisify(execFile);

const CLOUD_VERSION = 'v0.1.0';
const CLOUDCORE_IMAGE = `kedge/cloudcore:${CLOUD_VERSION}`;
const CONTROLLERMANAGER_IMAGE = `kedge/controllermanager:${CLOUD_VERSION}`;
export const PAUSE_IMAGE = 'kedge/pause:local';

/** The docker engine's socket (started by ensure_docker_engine if needed). */
async function dockerHost(): Promise<string> {
  const { stdout } = await run(
    'bash',
    [
      '-c',
      `source ${join(repoRoot(), 'scripts/lib.sh')} >/dev/null && ensure_docker_engine >&2 && echo "$DOCKER_HOST"`,
    ],
    { timeout: 180_000 },
  );
  return stdout.trim();
}

/** Builds what is missing and writes `docker save` of the three images to `tarFile`. */
export async function saveClusterImages(tarFile: string): Promise<void> {
  const env = { ...process.env, DOCKER_HOST: await dockerHost() };
  const docker = (args: string[], input?: string): Promise<unknown> => {
    const p = run('/usr/bin/docker', args, { env, timeout: 900_000, maxBuffer: 16 << 20 });
    if (input !== undefined) {
      p.child.stdin?.end(input);
    }
    return p;
  };
  const present = await docker(['image', 'inspect', CLOUDCORE_IMAGE, CONTROLLERMANAGER_IMAGE]).then(
    () => true,
    () => false,
  );
  if (!present) {
    await run(join(repoRoot(), 'scripts/build-images'), ['--version', CLOUD_VERSION], {
      env,
      timeout: 1_200_000,
      maxBuffer: 16 << 20,
    });
  }
  await docker(
    ['build', '--quiet', '-t', PAUSE_IMAGE, '-'],
    `FROM ${CLOUDCORE_IMAGE}\nENTRYPOINT ["sleep", "infinity"]\nHEALTHCHECK NONE\n`,
  );
  await docker(['save', '-o', tarFile, CLOUDCORE_IMAGE, CONTROLLERMANAGER_IMAGE, PAUSE_IMAGE]);
}
