// node scripts/stage-images.ts --out DIR --version vX.Y.Z --edge-version vX.Y.Z
// The build context of configs/compose/Dockerfile.* (scripts/build-images
// calls this), built from this workspace on this machine:
//   DIR/cloud/            cloudcore.mjs + controllermanager.mjs bundles, node_modules/better-sqlite3
//   DIR/release/          the edgecore release (scripts/build-release.ts): the same files are
//                         the release artifact a NodeUpgradeJob pulls and what the edge image holds
//   DIR/edge/usr/local/lib/kedge   that release installed by `keadm edge install`, as on a node
//   DIR/edge/etc/kedge/   edgecore.yaml and containerd's config for the compose network
import { execFile } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { errorMessage } from '@kedge/api';
import { buildCloudBundle, buildRelease, installEdge } from '@kedge/localup';

const USAGE = 'usage: node scripts/stage-images.ts --out DIR --version vX.Y.Z --edge-version vX.Y.Z';
const COMPOSE = resolve(import.meta.dirname, '..', 'configs', 'compose');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, version: { type: 'string' }, 'edge-version': { type: 'string' } },
  });
  const edgeVersion = values['edge-version'];
  if (!values.out || !values.version || !edgeVersion) {
    process.stderr.write(`stage-images: --out, --version and --edge-version are required\n${USAGE}\n`);
    return 2;
  }
  const out = resolve(values.out);
  await rm(out, { recursive: true, force: true });
  const cloud = await buildCloudBundle({ version: values.version, outDir: join(out, 'cloud') });
  // each bundle must start outside the workspace: --defaultconfig loads every module
  for (const bundle of Object.values(cloud.bundles))
    await promisify(execFile)(process.execPath, [bundle, '--defaultconfig']);
  const release = await buildRelease({ version: edgeVersion, outDir: join(out, 'release') });
  await promisify(execFile)(process.execPath, [release.edgecore, '--defaultconfig']);
  const etc = join(out, 'edge', 'etc', 'kedge');
  await mkdir(etc, { recursive: true });
  await cp(join(COMPOSE, 'edgecore.yaml'), join(etc, 'edgecore.yaml'));
  await cp(join(COMPOSE, 'containerd'), join(etc, 'containerd'), { recursive: true });
  await installEdge(
    join(out, 'edge', 'usr', 'local', 'lib', 'kedge'),
    release.outDir,
    join(etc, 'edgecore.yaml'),
  );
  await cp(join(COMPOSE, 'edge-entrypoint.sh'), join(out, 'edge-entrypoint.sh'));
  await mkdir(join(out, 'state'), { recursive: true }); // becomes /var/lib/kedge, owned by the image's user
  process.stdout.write(
    `staged ${out}: cloud ${values.version} (${cloud.nativePackages.join(', ')}), edge ${edgeVersion}\n`,
  );
  return 0;
}

try {
  process.exitCode = await main();
} catch (err: unknown) {
  process.stderr.write(`stage-images: ${errorMessage(err)}\n${USAGE}\n`);
  process.exitCode = 1;
}
