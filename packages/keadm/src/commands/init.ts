// keadm init: kedge's cloud for a Kubernetes cluster. Prints the CRDs and
// the configs/k8s manifests rendered for an image repository and version,
// or with --apply hands them to kubectl and creates the token Secret.
import { readFileSync } from 'node:fs';
import { renderCrds } from '@kedge/api';
import { parseDocument, type Document } from 'yaml';
import {
  DEFAULT_IMAGE_REPO,
  DEFAULT_MANIFEST_DIR,
  checkRenderOptions,
  loadManifestFiles,
  manifestStream,
  renderManifests,
  type RenderOptions,
} from '../init/k8s-manifests.ts';
import { kubectlRunner } from '../init/kubectl.ts';
import { CA_SECRET, ensureCaSecret } from '../init/ca-secret.ts';
import { TOKEN_SECRET, ensureTokenSecret } from '../init/token-secret.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

/** This keadm's version (its package.json), the default image tag. */
function keadmVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `v${pkg.version}`;
}

const KEADM_VERSION = keadmVersion();

const INIT_USAGE = `usage: keadm init [--image-repo R] [--version V] [--advertise-address IP[,IP]] [--skip-crds]
                  [--manifests DIR] [--apply [--kubeconfig FILE] [--kubectl PATH] [--dry-run]]
Prints kedge's cloud for a Kubernetes cluster: the CRDs, then the manifests of
configs/k8s (namespace kubeedge, ServiceAccounts, RBAC, ConfigMaps, the
cloudcore and controllermanager Deployments, the tunnel Service) with the
images set to R/cloudcore:V and R/controllermanager:V. With --apply, applies
them with kubectl and creates the token Secret ${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name} unless it exists.
  --image-repo R           image repository (default ${DEFAULT_IMAGE_REPO})
  --version V              image tag (default ${KEADM_VERSION}, this keadm's version)
  --advertise-address IPs  cloudcore's modules.cloudHub.advertiseAddress: the IP(s) edge nodes dial
  --skip-crds              leave the CRDs out (they are cluster-wide; install them once)
  --manifests DIR          a directory with a kustomization.yaml (default configs/k8s of this checkout)
  --apply                  apply instead of printing
  --kubeconfig FILE        kubeconfig for --apply (default: kubectl's)
  --kubectl PATH           kubectl binary for --apply (default: kubectl on PATH)
  --dry-run                with --apply: kubectl --dry-run=server (the namespace must exist)
`;

const OPTIONS = {
  'image-repo': { type: 'string' },
  version: { type: 'string' },
  'advertise-address': { type: 'string' },
  'skip-crds': { type: 'boolean' },
  manifests: { type: 'string' },
  apply: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  kubectl: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runInit(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, INIT_USAGE);
  if (values.help) {
    io.stdout.write(INIT_USAGE);
    return 0;
  }
  for (const flag of ['kubeconfig', 'kubectl', 'dry-run'] as const) {
    if (values[flag] !== undefined && !values.apply)
      throw usageError(`--${flag}: only with --apply`, INIT_USAGE);
  }
  if (values['advertise-address'] !== undefined && splitList(values['advertise-address']).length === 0) {
    throw usageError('--advertise-address: expected IP[,IP]', INIT_USAGE);
  }
  const render: RenderOptions = {
    imageRepo: values['image-repo'] ?? DEFAULT_IMAGE_REPO,
    version: values.version ?? KEADM_VERSION,
    ...(values['advertise-address'] !== undefined
      ? { advertiseAddress: splitList(values['advertise-address']) }
      : {}),
  };
  checkRenderOptions(render);
  const docs: Document[] = [
    ...(values['skip-crds'] ? [] : renderCrds().map((crd) => parseDocument(crd.yaml))),
    ...renderManifests(loadManifestFiles(values.manifests ?? DEFAULT_MANIFEST_DIR), render),
  ];
  const stream = manifestStream(docs);
  if (!values.apply) {
    io.stdout.write(
      `# kedge ${render.version} (${render.imageRepo}): keadm init | kubectl apply -f -\n` +
        `# then, once: kubectl -n ${TOKEN_SECRET.namespace} create secret generic ${TOKEN_SECRET.name} ` +
        `--from-literal=${TOKEN_SECRET.key}=$(openssl rand -hex 32)\n` +
        `# and the cloud CA (EC P-256, PEM): kubectl -n ${CA_SECRET.namespace} create secret generic ${CA_SECRET.name} ` +
        `--from-file=${CA_SECRET.certKey}=ca.crt --from-file=${CA_SECRET.keyKey}=ca.key\n`,
    );
    io.stdout.write(stream);
    return 0;
  }

  const dryRun = values['dry-run'] === true;
  const kubectl = kubectlRunner({
    binary: values.kubectl,
    kubeconfig: values.kubeconfig,
    signal: io.signal,
    env: io.env,
  });
  const applied = await kubectl(['apply', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
    input: stream,
  });
  io.stdout.write(applied.stdout);
  const secret = await ensureTokenSecret(kubectl, dryRun);
  const where = `secret/${TOKEN_SECRET.name} in namespace ${TOKEN_SECRET.namespace}`;
  io.stdout.write(
    secret === 'exists'
      ? `${where} exists (kept: joined nodes' tokens stay valid)\n`
      : `${where} created${dryRun ? ' (server dry run)' : ''}\n`,
  );
  const ca = await ensureCaSecret(kubectl, dryRun);
  const caWhere = `secret/${CA_SECRET.name} in namespace ${CA_SECRET.namespace}`;
  io.stdout.write(
    ca === 'exists'
      ? `${caWhere} exists (kept: joined nodes' certificates stay valid)\n`
      : `${caWhere} created${dryRun ? ' (server dry run)' : ''}\n`,
  );
  const server = `${render.advertiseAddress?.[0] ?? '<cloudcore address>'}:10000`;
  io.stdout.write(
    `\nedge nodes join with:\n` +
      `  keadm join --cloudcore-ipport ${server} --node-name NODE \\\n` +
      `    --token $(keadm gettoken --node NODE${values.kubeconfig ? ` --kubeconfig ${values.kubeconfig}` : ''})\n`,
  );
  return 0;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
