// Platforms named the way image indexes name them (Go's GOOS/GOARCH), and the
// choice of one manifest out of an index.
import type { Descriptor, Platform } from './manifest.ts';

const GO_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** Node's `process.arch` as an image index names it (x64 -> amd64, ...). */
export function goArch(nodeArch: string = process.arch): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

/** The platform this process runs on, in Go's names (GOOS/GOARCH): `{os: 'linux', architecture: 'amd64'}`. */
export function hostPlatform(): Platform {
  return { os: process.platform === 'win32' ? 'windows' : process.platform, architecture: goArch() };
}

export function formatPlatform(platform: Platform): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}

/**
 * The first index entry for `wanted`. A wanted variant must match exactly;
 * without one, an entry with no variant (or arm64's usual v8) is preferred
 * over other variants. Entries without a platform never match.
 */
export function selectPlatformManifest(
  entries: readonly Descriptor[],
  wanted: Platform,
): Descriptor | undefined {
  const candidates = entries.filter(
    (e) => e.platform?.os === wanted.os && e.platform.architecture === wanted.architecture,
  );
  if (wanted.variant !== undefined) return candidates.find((e) => e.platform?.variant === wanted.variant);
  const plain = candidates.find((e) => e.platform?.variant === undefined || e.platform.variant === 'v8');
  return plain ?? candidates[0];
}
