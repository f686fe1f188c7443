// Docker-style image references with an explicit registry host:
// `host[:port]/path/to/repo[:tag][@sha256:<hex>]`. There is no default
// registry: a reference that does not start with a host is an error, so a
// node never pulls an edgecore from somewhere its operator did not name.
import { KedgeError } from '@kedge/api';
import { isDigest } from './digest.ts';

export interface ImageRef {
  /** `host` or `host:port`, e.g. `127.0.0.1:5000`. */
  registry: string;
  /** Path inside the registry, e.g. `kedge/installation-package`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST_RE = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

function invalid(ref: string, problem: string): KedgeError {
  return new KedgeError('KEDGE_OCI_REF_INVALID', `image reference "${ref}": ${problem}`, { image: ref });
}

/** A host is the first path component when it has a dot or a port, or is `localhost` (Docker's rule). */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export function parseImageRef(ref: string): ImageRef {
  if (ref.trim() !== ref || ref === '') throw invalid(ref, 'must be non-empty without surrounding spaces');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) {
      throw invalid(ref, `digest "${digest}" is not sha256:<64 hex> or sha512:<128 hex>`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      throw invalid(ref, `tag "${tag}" is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`);
  }
  const slash = rest.indexOf('/');
  const host = slash < 0 ? '' : rest.slice(0, slash);
  if (slash < 0 || !looksLikeHost(host)) {
    throw invalid(
      ref,
      'needs an explicit registry host before the repository (e.g. 127.0.0.1:5000/kedge/installation-package:v0.2.0)',
    );
  }
  if (!HOST_RE.test(host)) throw invalid(ref, `registry host "${host}" is not a valid host[:port]`);
  const repository = rest.slice(slash + 1);
  if (repository.length > MAX_NAME_LENGTH) {
    throw invalid(ref, `repository is longer than ${MAX_NAME_LENGTH} characters`);
  }
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) {
      throw invalid(
        ref,
        `repository component "${component}" must be lowercase letters and digits separated by ".", "_", "__" or "-"`,
      );
    }
  }
  const parsed: ImageRef = { registry: host, repository };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${
    ref.digest === undefined ? '' : `@${ref.digest}`
  }`;
}

/** Accepts either form, so every entry point can take a string or a parsed reference. */
export function toImageRef(ref: string | ImageRef): ImageRef {
  return typeof ref === 'string' ? parseImageRef(ref) : ref;
}

/** The tag or digest a manifest request names: the digest wins when both are given. */
export function manifestReference(ref: ImageRef): string {
  const reference = ref.digest ?? ref.tag;
  if (reference === undefined) {
    throw new KedgeError(
      'KEDGE_OCI_REF_INVALID',
      `image reference "${formatImageRef(ref)}": needs a tag or a digest to pull`,
      { image: formatImageRef(ref) },
    );
  }
  return reference;
}
