// An image reference split the way KubeEdge's image overrider splits it:
// registry host (the first path component when it has a `.` or `:` or is
// `localhost`), repository, tag and digest. Differences from upstream: a
// reference with both tag and digest keeps both (upstream dropped the
// digest), and a value that is neither a tag nor a digest, or a result that
// is no valid image, is an error instead of being silently ignored.
import { IMAGE_REFERENCE_PATTERN, KedgeError, type ImageOverrider } from '@kedge/api';

interface ImageComponents {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

function invalid(message: string, context: Record<string, unknown> = {}): KedgeError {
  return new KedgeError('KEDGE_EDGEAPP_RENDER_FAILED', message, context);
}

function parseImage(image: string): ImageComponents {
  if (!IMAGE_REFERENCE_PATTERN.test(image))
    throw invalid(`image ${JSON.stringify(image)} is not a valid reference`);
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const isHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  return {
    registry: isHost ? first : '',
    repository: isHost ? rest.slice(slash + 1) : rest,
    tag,
    digest,
  };
}

function formatImage(c: ImageComponents): string {
  const name = c.registry === '' ? c.repository : `${c.registry}/${c.repository}`;
  return `${name}${c.tag ? `:${c.tag}` : ''}${c.digest ? `@${c.digest}` : ''}`;
}

/** The image after one overrider, as upstream computes it (add appends to the component). */
export function overrideImage(image: string, o: ImageOverrider): string {
  const c = parseImage(image);
  const value = o.value ?? '';
  switch (o.component) {
    case 'Registry':
      c.registry = o.operator === 'remove' ? '' : o.operator === 'add' ? c.registry + value : value;
      break;
    case 'Repository':
      c.repository = o.operator === 'remove' ? '' : o.operator === 'add' ? c.repository + value : value;
      break;
    case 'Tag':
      if (o.operator === 'remove') {
        if (c.tag !== '') c.tag = '';
        else c.digest = '';
      } else {
        setTagOrDigest(c, o.operator === 'add' ? (c.tag || c.digest) + value : value);
      }
      break;
  }
  const out = formatImage(c);
  if (!IMAGE_REFERENCE_PATTERN.test(out)) {
    throw invalid(
      `image overrider ${o.component} ${o.operator} ${JSON.stringify(value)} turns ${image} into ${JSON.stringify(out)}, not a valid image`,
    );
  }
  return out;
}

function setTagOrDigest(c: ImageComponents, input: string): void {
  if (TAG.test(input)) {
    c.tag = input;
    c.digest = '';
  } else if (DIGEST.test(input)) {
    c.digest = input;
    c.tag = '';
  } else {
    throw invalid(`image overrider Tag: ${JSON.stringify(input)} is neither a tag nor a digest`);
  }
}
