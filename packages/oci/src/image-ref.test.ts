import { describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { formatImageRef, parseImageRef } from './image-ref.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageRef', () => {
  it.each([
    [
      '127.0.0.1:5000/kedge/installation-package:v0.2.0',
      { registry: '127.0.0.1:5000', repository: 'kedge/installation-package', tag: 'v0.2.0' },
    ],
    ['registry.example.com/a/b/c', { registry: 'registry.example.com', repository: 'a/b/c' }],
    ['localhost/edge', { registry: 'localhost', repository: 'edge' }],
    [`localhost:5000/edge@${DIGEST}`, { registry: 'localhost:5000', repository: 'edge', digest: DIGEST }],
    [
      `host.io/x/y:v1.2.3-rc.1@${DIGEST}`,
      { registry: 'host.io', repository: 'x/y', tag: 'v1.2.3-rc.1', digest: DIGEST },
    ],
    ['[::1]:5000/a__b/c-d.e', { registry: '[::1]:5000', repository: 'a__b/c-d.e' }],
  ])('parses %s', (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
    expect(formatImageRef(parseImageRef(ref))).toBe(ref);
  });

  it.each([
    ['kedge/installation-package:v0.2.0', /needs an explicit registry host/],
    ['installation-package', /needs an explicit registry host/],
    ['127.0.0.1:5000/Kedge/pkg:v1', /component "Kedge" must be lowercase/],
    ['127.0.0.1:5000/kedge//pkg', /component "" must be/],
    ['127.0.0.1:5000/kedge/pkg:', /tag "" is not a valid tag/],
    ['127.0.0.1:5000/kedge/pkg:-bad', /tag "-bad"/],
    ['127.0.0.1:5000/kedge/pkg@sha256:1234', /digest "sha256:1234" is not/],
    ['bad_host.io:5000/kedge/pkg', /registry host "bad_host.io:5000"/],
    [' 127.0.0.1:5000/kedge/pkg', /without surrounding spaces/],
    ['', /must be non-empty/],
  ])('rejects %j with an error naming the reference', (ref, problem) => {
    let caught: unknown;
    try {
      parseImageRef(ref);
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_OCI_REF_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(`image reference "${ref}"`);
    expect((caught as Error).message).toMatch(problem);
  });
});
