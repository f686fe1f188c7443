// keadm edge upgrade: fetch and verify the release, stage it, write the
// upgrade marker and switch `current` (beginUpgrade), then have edgecore
// restart. The new version is on trial: it commits once connected to the
// cloud; otherwise the launcher rolls back (3 failed starts or the deadline).
// With --wait, keadm follows the trial to its end.
import { KedgeError } from '@kedge/api';
import {
  assertVersionName,
  beginUpgrade,
  currentVersion,
  readInstalledVersion,
  readUpgradeMarker,
  removeVersion,
  stageRelease,
  versionDir,
  existsNoFollow,
} from '@kedge/installer';
import {
  EDGE_TARGET_OPTIONS,
  EDGE_TARGET_USAGE,
  edgeTarget,
  loadTargetConfig,
  restartEdgecore,
  requireInstallRoot,
  withInstallLock,
  writeFailureReport,
  writeReport,
} from './edge-target.ts';
import { fetchRelease } from './fetch-release.ts';
import { parseCommandArgs, positiveInt, usageError, type KeadmIo } from './keadm-io.ts';
import { waitForTrialAndReport } from './wait-trial.ts';

const EDGE_UPGRADE_USAGE = `usage: keadm edge upgrade --toVersion V --image IMAGE|DIR [--image-digest D] [--force]
                          [--timeout S] [--wait] [--insecure] [--root DIR] [--config FILE]
Installs edgecore V beside the running version and switches to it; edgecore
restarts into V, which must connect to the cloud within --timeout or is rolled back.
  --toVersion V      the version to install (e.g. v1.3.0)
  --image IMAGE|DIR  release image (pulled as IMAGE:V) or a release directory
  --image-digest D   the manifest digest the image must have (sha256:...)
  --force            install again even if versions/V is already staged
  --timeout S        seconds V gets to come up healthy and connected (default 300)
  --wait             wait for the outcome (exit 1 if V was rolled back)
  --insecure         plain HTTP to the registry (loopback registries are always allowed)
  Registry credentials: $KEDGE_REGISTRY_USERNAME / $KEDGE_REGISTRY_PASSWORD.
${EDGE_TARGET_USAGE}
`;

const OPTIONS = {
  ...EDGE_TARGET_OPTIONS,
  toVersion: { type: 'string' },
  image: { type: 'string' },
  'image-digest': { type: 'string' },
  force: { type: 'boolean' },
  timeout: { type: 'string' },
  wait: { type: 'boolean' },
  insecure: { type: 'boolean' },
} as const;

export async function runEdgeUpgrade(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, EDGE_UPGRADE_USAGE);
  if (values.help) {
    io.stdout.write(EDGE_UPGRADE_USAGE);
    return 0;
  }
  const to = values.toVersion;
  if (!to) throw usageError('--toVersion: required', EDGE_UPGRADE_USAGE);
  const image = values.image;
  if (!image) throw usageError('--image: required', EDGE_UPGRADE_USAGE);
  assertVersionName(to, '--toVersion');
  const timeoutMs = positiveInt('timeout', values.timeout, 300, EDGE_UPGRADE_USAGE) * 1000;
  const target = edgeTarget(values, io);
  const { layout } = target;

  requireInstallRoot(layout);
  const started = await withInstallLock(layout, 'keadm edge upgrade', async () => {
    const from = readInstalledVersion(layout) ?? '';
    try {
      if (!from) {
        throw new KedgeError(
          'KEDGE_INSTALL_INVALID',
          `--root: nothing is installed under ${layout.root}; use keadm edge install`,
          {
            file: layout.current,
          },
        );
      }
      if (from === to) {
        throw new KedgeError('KEDGE_INSTALL_INVALID', `--toVersion: ${to} is already the running version`, {
          version: to,
        });
      }
      const node = loadTargetConfig(target, io).modules.edged.hostnameOverride;
      if (values.force && existsNoFollow(versionDir(layout, to)))
        removeVersion(layout, to, currentVersion(layout));
      const release = await fetchRelease(
        layout,
        image,
        to,
        { digest: values['image-digest'], insecure: values.insecure },
        io,
      );
      try {
        const staged = stageRelease(layout, to, release.dir, { mode: release.mode });
        io.stdout.write(`${staged.alreadyStaged ? 'already staged' : 'staged'} ${to} in ${staged.dir}\n`);
      } finally {
        release.cleanup();
      }
      const now = io.clock.now();
      const marker = beginUpgrade(layout, {
        from,
        to,
        job: '',
        node,
        jobUid: '',
        deadlineMs: now + timeoutMs,
        now,
        ...(values.force ? { force: true } : {}),
      });
      io.stdout.write(`switched ${layout.current} from ${from} to ${to}\n`);
      writeReport(layout, { event: 'Upgrade', success: true, fromVersion: from, toVersion: to }, io);
      restartEdgecore(layout, io, `${to}`);
      return { from, marker };
    } catch (err: unknown) {
      writeFailureReport(layout, { event: 'Upgrade', fromVersion: from, toVersion: to }, err, io);
      throw err;
    }
  });
  if (!values.wait) return 0;

  const { success, ...outcome } = await waitForTrialAndReport(
    layout,
    () => readUpgradeMarker(layout),
    started.marker,
    io,
    to,
    { event: 'Upgrade', fromVersion: started.from, toVersion: to },
  );
  io.stdout.write(
    success
      ? `${to} is healthy and connected: upgrade committed\n`
      : `upgrade to ${to} ${outcome.phase}: ${outcome.reason ?? ''}\n`,
  );
  return success ? 0 : 1;
}
