import { describe, expect, it } from 'vitest';
import type { Descriptor } from './manifest.ts';
import { goArch, hostPlatform, selectPlatformManifest } from './platform.ts';

function entry(digest: string, architecture: string, variant?: string): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: 1,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
  };
}

describe('platforms', () => {
  it('names Node architectures the way image indexes do', () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
    expect(goArch('ia32')).toBe('386');
    expect(goArch('mips')).toBe('mips');
    expect(hostPlatform()).toEqual({ os: process.platform, architecture: goArch(process.arch) });
  });

  it('picks the entry for the wanted platform', () => {
    const entries = [
      { mediaType: 'x', digest: 'attestation', size: 1 },
      entry('arm-v7', 'arm', 'v7'),
      entry('arm-v6', 'arm', 'v6'),
      entry('arm64', 'arm64', 'v8'),
      entry('amd64', 'amd64'),
    ];
    expect(selectPlatformManifest(entries, { os: 'linux', architecture: 'amd64' })?.digest).toBe('amd64');
    expect(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm64' })?.digest).toBe('arm64');
    expect(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm', variant: 'v6' })?.digest).toBe(
      'arm-v6',
    );
    expect(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm' })?.digest).toBe('arm-v7');
    expect(selectPlatformManifest(entries, { os: 'linux', architecture: 's390x' })).toBeUndefined();
    expect(selectPlatformManifest(entries, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });
});
