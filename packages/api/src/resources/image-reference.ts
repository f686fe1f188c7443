// The image references and digests a node task may name, checked when a job
// is written (both store backends and kedgectl run these schemas; in cluster
// mode the CRD carries the same patterns), so that a typo is refused naming
// the field instead of failing later on every node.
import { z } from 'zod';

const DOMAIN_COMPONENT = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?`;
const DOMAIN = String.raw`(?:${DOMAIN_COMPONENT}(?:\.${DOMAIN_COMPONENT})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
/** The digests kedge verifies: sha256 (what registries use) and sha512, lower-case hex. */
const DIGEST = String.raw`(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})`;

/** `sha256:<64 hex>` or `sha512:<128 hex>`. */
const IMAGE_DIGEST_PATTERN = new RegExp(`^${DIGEST}$`);

/**
 * A container image reference as a container runtime takes it:
 * `[host[:port]/]path[:tag][@digest]`, e.g. `busybox:latest`,
 * `registry.example:5000/team/app:v2@sha256:...`.
 */
export const IMAGE_REFERENCE_PATTERN = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** Docker's limit on the name part (without tag and digest). */
const MAX_NAME_LENGTH = 255;

export const ImageReferenceSchema = z
  .string()
  .max(MAX_NAME_LENGTH + 1 + 128 + 1 + 7 + 128, 'is too long for an image reference')
  .regex(
    IMAGE_REFERENCE_PATTERN,
    'must be an image reference [host[:port]/]path[:tag][@sha256:<64 hex>] (lower-case path), e.g. busybox:1.36',
  );

export const ImageDigestSchema = z
  .string()
  .regex(IMAGE_DIGEST_PATTERN, 'must be a digest sha256:<64 lower-case hex> or sha512:<128 lower-case hex>');
