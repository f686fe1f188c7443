import { describe, expect, it } from 'vitest';
import { parseCriEndpoint } from './cri-endpoint.ts';
import { authForImage, parseDockerConfig, registryKey, registryOfImage } from './docker-config.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('docker config credentials', () => {
  it('reads auth, username/password and token entries, keyed by normalised registry', () => {
    const creds = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
          '127.0.0.1:5000': { username: 'alice', password: 's3cret', auth: b64('ignored:ignored') },
          'http://Registry.Example:8443/some/path': { identitytoken: 'id-token' },
          'quay.example': { registrytoken: 'bearer' },
        },
      }),
      'secret default/regcred',
    );
    expect(authForImage(creds, 'nginx:1.27')).toEqual({ username: 'hub-user', password: 'hub:pass' });
    expect(authForImage(creds, 'docker.io/library/nginx:1.27')).toEqual({
      username: 'hub-user',
      password: 'hub:pass',
    });
    expect(authForImage(creds, '127.0.0.1:5000/kedge/app:v1')).toEqual({
      username: 'alice',
      password: 's3cret',
    });
    expect(authForImage(creds, 'registry.example:8443/a/b@sha256:' + 'a'.repeat(64))).toEqual({
      identityToken: 'id-token',
    });
    expect(authForImage(creds, 'quay.example/x/y')).toEqual({ registryToken: 'bearer' });
    expect(authForImage(creds, '127.0.0.1:5001/kedge/app:v1')).toBeUndefined();
  });

  it('names the registry: Docker Hub for bare names, aliases folded, host case ignored', () => {
    expect(registryOfImage('busybox')).toBe('docker.io');
    expect(registryOfImage('library/busybox:1')).toBe('docker.io');
    expect(registryOfImage('localhost/x')).toBe('localhost');
    expect(registryOfImage('LOCALHOST:5000/x')).toBe('localhost:5000');
    expect(registryKey('registry-1.docker.io')).toBe('docker.io');
    expect(registryKey('https://index.docker.io/v1/')).toBe('docker.io');
  });

  it('refuses malformed configs naming the secret and field, never quoting credentials', () => {
    const what = 'imageSecrets default/regcred';
    expect(() => parseDockerConfig('{"auths": {"r": {"auth": "top-secret', what)).toThrow(
      'imageSecrets default/regcred: .dockerconfigjson is not valid JSON',
    );
    try {
      parseDockerConfig('{"auths": {"r": {"auth": "top-secret', what);
    } catch (err) {
      expect((err as Error).message).not.toContain('top-secret');
    }
    expect(() => parseDockerConfig('{"registry": {}}', what)).toThrow(
      'imageSecrets default/regcred: .dockerconfigjson.auths: Invalid input: expected record, received undefined',
    );
    expect(() =>
      parseDockerConfig(JSON.stringify({ auths: { r: { auth: b64('no-colon') } } }), what),
    ).toThrow(
      'imageSecrets default/regcred: .dockerconfigjson.auths.r.auth: is not base64 of "username:password"',
    );
    expect(() => parseDockerConfig(JSON.stringify({ auths: { r: { email: 'a@b' } } }), what)).toThrow(
      'imageSecrets default/regcred: .dockerconfigjson.auths.r: has none of auth, username/password, identitytoken, registrytoken',
    );
  });
});

describe('CRI endpoint', () => {
  it('accepts unix:// URLs and bare absolute paths, refuses other schemes naming the field', () => {
    expect(parseCriEndpoint('unix:///run/containerd/containerd.sock')).toEqual({
      endpoint: 'unix:///run/containerd/containerd.sock',
      socketPath: '/run/containerd/containerd.sock',
      target: 'unix:///run/containerd/containerd.sock',
    });
    expect(parseCriEndpoint('/run/crio/crio.sock').target).toBe('unix:///run/crio/crio.sock');
    expect(() => parseCriEndpoint('tcp://127.0.0.1:1234')).toThrow(
      'modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint: scheme tcp:// is not supported; use unix:///path/to/runtime.sock',
    );
    expect(() => parseCriEndpoint('unix://relative.sock')).toThrow(/must name an absolute socket path/);
    expect(() => parseCriEndpoint('containerd.sock')).toThrow(/is not unix:\/\/\/path\/to\/runtime\.sock/);
  });
});
