// node scripts/build-release.ts --version v0.2.0 --out <dir> [--push <image ref>]
// Builds a runnable edgecore release directory (see packages/localup/src/release/build-release.ts), checks
// that it starts (`node <dir>/edgecore.mjs --defaultconfig`), and optionally
// pushes it as an OCI image (`--push 127.0.0.1:5000/kedge/installation-package:v0.2.0`;
// credentials from KEDGE_REGISTRY_USERNAME / KEDGE_REGISTRY_PASSWORD).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { errorMessage } from '@kedge/api';
import { buildRelease } from '@kedge/localup';
import { pushRelease } from '@kedge/oci';

const USAGE = 'usage: node scripts/build-release.ts --version vX.Y.Z --out DIR [--push HOST[:PORT]/REPO:TAG]';

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      options: { version: { type: 'string' }, out: { type: 'string' }, push: { type: 'string' } },
    }).values;
  } catch (err: unknown) {
    process.stderr.write(`build-release: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (!values.version || !values.out) {
    process.stderr.write(`build-release: --version and --out are required\n${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  const built = await buildRelease({ version: values.version, outDir: resolve(values.out) });
  // The release must start on its own, outside the source tree's node_modules.
  await promisify(execFile)(process.execPath, [built.edgecore, '--defaultconfig']);
  process.stdout.write(
    `built ${built.version} in ${built.outDir} (${Date.now() - started} ms): edgecore.mjs, launcher.mjs, ` +
      `node_modules: ${built.nativePackages.join(', ')}\n`,
  );
  if (values.push) {
    const username = process.env.KEDGE_REGISTRY_USERNAME;
    const password = process.env.KEDGE_REGISTRY_PASSWORD ?? '';
    const pushed = await pushRelease(
      values.push,
      built.outDir,
      username ? { auth: { username, password } } : {},
    );
    process.stdout.write(
      `pushed ${values.push} ${pushed.digest} (${pushed.platform.os}/${pushed.platform.architecture})\n`,
    );
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (err: unknown) {
  process.stderr.write(`build-release: ${errorMessage(err)}\n`);
  process.exitCode = 1;
}
