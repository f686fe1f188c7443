// The cluster manifests of configs/k8s/ as keadm init prints or applies them:
// the files the directory's kustomization.yaml lists, in its order, with the
// images set to <repo>/<component>:<version> and cloudcore's advertise
// addresses set. Edits are structural (YAML documents, comments kept); the
// cloudcore.yaml embedded in the ConfigMap is re-checked with the same loader
// cloudcore uses, so a bad flag fails here and not in a crash-looping pod.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KedgeError, errorMessage } from '@kedge/api';
import { loadCloudCoreConfig } from '@kedge/cloudcore';
import { Scalar, YAMLSeq, isMap, isSeq, parseAllDocuments, parseDocument, type Document } from 'yaml';

/** configs/k8s of the checkout keadm runs from. */
export const DEFAULT_MANIFEST_DIR = fileURLToPath(new URL('../../../../configs/k8s/', import.meta.url));

export const DEFAULT_IMAGE_REPO = 'kedge';

export interface ManifestFile {
  /** As listed in kustomization.yaml. */
  name: string;
  docs: Document[];
}

export interface RenderOptions {
  /** Registry and path the component images live under, e.g. `registry.example:5000/kedge`. */
  imageRepo: string;
  /** Image tag, e.g. `v0.2.0`. */
  version: string;
  /** cloudcore's modules.cloudHub.advertiseAddress; omitted = as in the manifest. */
  advertiseAddress?: readonly string[];
}

/** The name the cloudcore ConfigMap keeps its config under. */
const CLOUDCORE_CONFIG_KEY = 'cloudcore.yaml';
const IMAGE_REPO_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Reads kustomization.yaml of `dir` and every file it lists, in order. */
export function loadManifestFiles(dir: string): ManifestFile[] {
  const kustomization = join(dir, 'kustomization.yaml');
  const doc = parseDocument(readText(kustomization));
  const resources = (doc.toJS() as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    throw new KedgeError(
      'KEDGE_MANIFEST_UNREADABLE',
      `${kustomization}: resources: expected a list of files`,
      {
        file: kustomization,
      },
    );
  }
  return resources.map((name) => {
    const file = join(dir, name);
    const docs = parseAllDocuments(readText(file));
    if (!Array.isArray(docs)) {
      throw new KedgeError('KEDGE_MANIFEST_UNREADABLE', `${file}: expected YAML documents`, { file });
    }
    for (const d of docs) {
      const problem = d.errors[0];
      if (problem) {
        throw new KedgeError('KEDGE_MANIFEST_UNREADABLE', `${file}: ${problem.message}`, { file });
      }
    }
    return { name, docs: docs.filter((d) => d.contents !== null) };
  });
}

/** Checks the flags keadm init takes; throws KEDGE_CLI_USAGE naming the flag. */
export function checkRenderOptions(o: RenderOptions): void {
  if (!IMAGE_REPO_RE.test(o.imageRepo)) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `--image-repo: "${o.imageRepo}" is not an image repository (e.g. registry.example:5000/kedge)`,
      { fields: ['--image-repo'] },
    );
  }
  if (!TAG_RE.test(o.version)) {
    throw new KedgeError('KEDGE_CLI_USAGE', `--version: "${o.version}" is not an image tag (e.g. v0.2.0)`, {
      fields: ['--version'],
    });
  }
  for (const ip of o.advertiseAddress ?? []) {
    if (isIP(ip) === 0) {
      throw new KedgeError('KEDGE_CLI_USAGE', `--advertise-address: "${ip}" is not an IP address`, {
        fields: ['--advertise-address'],
      });
    }
  }
}

/** The files' documents with images and advertise addresses set (the files themselves are not changed). */
export function renderManifests(files: readonly ManifestFile[], o: RenderOptions): Document[] {
  checkRenderOptions(o);
  const out: Document[] = [];
  for (const file of files) {
    for (const original of file.docs) {
      const doc = original.clone();
      const kind = doc.get('kind');
      if (kind === 'Deployment') setImages(doc, o);
      if (kind === 'ConfigMap' && doc.hasIn(['data', CLOUDCORE_CONFIG_KEY])) setCloudCoreConfig(doc, file, o);
      out.push(doc);
    }
  }
  return out;
}

/** Documents as one multi-document YAML stream. */
export function manifestStream(docs: readonly Document[]): string {
  return docs
    .map((d) => {
      const text = d.toString({ lineWidth: 0 });
      return text.startsWith('---') ? text : `---\n${text}`;
    })
    .join('');
}

function setImages(doc: Document, o: RenderOptions): void {
  const containers = doc.getIn(['spec', 'template', 'spec', 'containers']);
  if (!isSeq(containers)) return;
  for (const c of containers.items) {
    if (!isMap(c)) continue;
    const image = c.get('image');
    if (typeof image !== 'string') continue;
    c.set('image', `${o.imageRepo}/${componentOf(image)}:${o.version}`);
  }
}

/** `kedge/cloudcore:v0.1.0` -> `cloudcore`. */
function componentOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastPart = withoutDigest.split('/').pop() ?? withoutDigest;
  return lastPart.split(':')[0] ?? lastPart;
}

function setCloudCoreConfig(doc: Document, file: ManifestFile, o: RenderOptions): void {
  const text = String(doc.getIn(['data', CLOUDCORE_CONFIG_KEY]));
  const inner = parseDocument(text);
  if (o.advertiseAddress && o.advertiseAddress.length > 0) {
    const seq = new YAMLSeq();
    for (const ip of o.advertiseAddress) seq.items.push(new Scalar(ip));
    inner.setIn(['modules', 'cloudHub', 'advertiseAddress'], seq);
  }
  const rendered = inner.toString({ lineWidth: 0 });
  const where = `${file.name}: ConfigMap ${String(doc.getIn(['metadata', 'name']))}: data.${CLOUDCORE_CONFIG_KEY}`;
  try {
    loadCloudCoreConfig({ file: where, text: rendered, env: {} });
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', errorMessage(err), { file: where }, { cause: err });
  }
  const scalar = new Scalar(rendered);
  scalar.type = Scalar.BLOCK_LITERAL;
  doc.setIn(['data', CLOUDCORE_CONFIG_KEY], scalar);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_MANIFEST_UNREADABLE', `${file}: cannot read: ${errorMessage(err)}`, { file });
  }
}
