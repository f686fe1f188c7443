// Which labels a node may set on its own Node, after Kubernetes'
// NodeRestriction admission and the kubelet's own label list
// (k8s.io/kubelet/pkg/apis well-known labels): its hostname, os, arch,
// instance type, region and zone (current and beta keys), and any key in the
// kubelet.kubernetes.io/ or node.kubernetes.io/ namespaces. Never a
// node-restriction.kubernetes.io/ key (those are the labels admins put on
// nodes to select them safely), never any other key: selection labels
// belong to the admin, or a node could label itself into a selector and
// receive what was meant for others. Keys and values must have Kubernetes'
// label syntax, and what one node sends is bounded.

const NODE_SELF_LABEL_KEYS: ReadonlySet<string> = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
]);

const NODE_SELF_LABEL_NAMESPACES: readonly string[] = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

/** At most this many labels, and this many bytes of keys and values, are taken from one registration. */
export const MAX_NODE_SELF_LABELS = 32;
const MAX_NODE_SELF_LABEL_BYTES = 8 * 1024;

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes label key (`[prefix/]name`), or undefined. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return 'the key prefix must be a DNS subdomain of at most 253 characters';
  if (name.length === 0 || name.length > 63 || !NAME.test(name))
    return 'the key name must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric';
  return undefined;
}

/** Why `value` is not a Kubernetes label value, or undefined. */
function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value))
    return 'the value must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric';
  return undefined;
}

function namespaceOf(key: string): string {
  const slash = key.indexOf('/');
  return slash >= 0 ? key.slice(0, slash) : '';
}

function inNamespace(ns: string, of: string): boolean {
  return ns === of || ns.endsWith(`.${of}`);
}

/** Why a node may not set `key` on itself, or undefined when it may. */
export function nodeSelfLabelProblem(key: string): string | undefined {
  const ns = namespaceOf(key);
  if (inNamespace(ns, NODE_RESTRICTION_NAMESPACE))
    return `${NODE_RESTRICTION_NAMESPACE}/ labels are set by admins only`;
  if (NODE_SELF_LABEL_KEYS.has(key)) return undefined;
  if (NODE_SELF_LABEL_NAMESPACES.some((allowed) => inNamespace(ns, allowed))) return undefined;
  return 'a node may set only the node-restriction labels on itself (hostname, os, arch, instance type, region, zone, kubelet.kubernetes.io/*, node.kubernetes.io/*); admins set the others';
}

export interface RefusedLabel {
  key: string;
  why: string;
}

/** Splits what a node asked for into the labels it may set and the ones refused, with why. */
export function screenNodeSelfLabels(requested: Readonly<Record<string, string>>): {
  allowed: Record<string, string>;
  refused: RefusedLabel[];
} {
  const allowed: Record<string, string> = {};
  const refused: RefusedLabel[] = [];
  let count = 0;
  let bytes = 0;
  for (const [key, value] of Object.entries(requested)) {
    const why =
      labelKeyProblem(key) ??
      labelValueProblem(value) ??
      nodeSelfLabelProblem(key) ??
      (count + 1 > MAX_NODE_SELF_LABELS
        ? `more than ${MAX_NODE_SELF_LABELS} labels`
        : bytes + key.length + value.length > MAX_NODE_SELF_LABEL_BYTES
          ? `more than ${MAX_NODE_SELF_LABEL_BYTES} bytes of labels`
          : undefined);
    if (why) {
      refused.push({ key: key.slice(0, 320), why });
      continue;
    }
    allowed[key] = value;
    count += 1;
    bytes += key.length + value.length;
  }
  return { allowed, refused };
}
