// controllermanager.yaml: schema (the one source of the type, the validation
// and the comments in the reference config) and defaults. Durations are in seconds.
import { z } from 'zod';
import {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  FeatureGatesSchema,
  secondsField,
  valueAt,
  whenObject,
} from '@kedge/api';
import { StoreConfigSchema, defaultStoreConfig } from '@kedge/store';

const CONTROLLERMANAGER_API_VERSION = 'controllermanager.config.kedge.io/v1alpha1';
const CONTROLLERMANAGER_KIND = 'ControllerManager';

const seconds = secondsField;

/** Adds `path: must be < other (value)` when both are numbers and `small >= large`. */
function lessThan(small: string, large: string) {
  return (obj: unknown, ctx: z.RefinementCtx) => {
    const a = valueAt(obj, [small]);
    const b = valueAt(obj, [large]);
    if (typeof a === 'number' && typeof b === 'number' && a >= b) {
      ctx.addIssue({ code: 'custom', path: [small], message: `must be < ${large} (${b}), got ${a}` });
    }
  };
}

export const ControllerManagerConfigSchema = z.strictObject({
  apiVersion: z.literal(CONTROLLERMANAGER_API_VERSION),
  kind: z.literal(CONTROLLERMANAGER_KIND),
  store: StoreConfigSchema,
  featureGates: FeatureGatesSchema,
  nodeLifecycle: z
    .strictObject({
      enable: z.boolean().describe('mark edge nodes NotReady when their heartbeats stop'),
      gracePeriod: seconds('heartbeat age after which a node is NotReady'),
      monitorPeriod: seconds('interval between node checks'),
    })
    .superRefine(lessThan('monitorPeriod', 'gracePeriod'), whenObject)
    .describe('edge node health'),
  nodeTask: z
    .strictObject({
      enable: z
        .boolean()
        .describe('run the node task controllers (NodeUpgradeJob, ImagePrePullJob, ConfigUpdateJob)'),
      timeoutCheckPeriod: seconds('interval between task timeout checks'),
      maxJobBytes: z
        .number()
        .int()
        .min(0)
        .describe(
          'refuse a job whose object would outgrow this once every node reported (bytes); ' +
            '0 = automatic: 1400000 with the kubernetes store (etcd takes 1.5 MiB per object), no limit with sqlite',
        ),
      imageSecretNamespaces: z
        .array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name'))
        .describe(
          'namespaces an ImagePrePullJob imageSecrets may name; a job naming another is refused ' +
            '(keep in step with cloudcore modules.taskManager.imageSecretNamespaces and its RBAC)',
        ),
      pinReleaseDigest: z
        .boolean()
        .describe(
          'resolve a NodeUpgradeJob image tag to its digest when the job starts and make nodes install only that; ' +
            'a job whose image cannot be resolved fails (jobs with spec.imageDigestGatter are pinned already)',
        ),
      defaultReleaseImage: z
        .string()
        .describe(
          'image repository pinned for a NodeUpgradeJob without spec.image (keep in step with the nodes)',
        ),
      releaseRegistry: z
        .strictObject({
          username: z.string().describe('registry user for resolving release tags (empty = anonymous)'),
          passwordFile: z.string().describe('file holding the registry password'),
          insecure: z.boolean().describe('plain http to the registry (always allowed for loopback)'),
        })
        .describe('access to the release registry, for pinning'),
    })
    .describe('node task controllers'),
  workload: z
    .strictObject({
      enable: z
        .union([z.boolean(), z.literal('auto')])
        .describe(
          'run the embedded Deployment/ReplicaSet controllers and pod placement (docs/workloads.md); ' +
            'auto = on with the sqlite store (embedded mode), off with kubernetes, where kube-controller-manager and kube-scheduler do it',
        ),
      notReadyEvictionTimeout: seconds(
        "how long pods stay on a NotReady or unreachable node before they are replaced elsewhere (a pod's own not-ready/unreachable NoExecute toleration wins)",
      ),
      evictionCheckPeriod: seconds('interval between checks for pods to evict'),
    })
    .describe(
      'embedded-mode workloads: the single-machine stand-in for kube-controller-manager and kube-scheduler',
    ),
  nodeGroup: z
    .strictObject({
      enable: z
        .boolean()
        .describe(
          'run the NodeGroup controller: label members apps.kubeedge.io/belonging-to=<group> and report them in status (docs/node-groups.md)',
        ),
    })
    .describe('node groups (apps.kubeedge.io NodeGroup)'),
  edgeApplication: z
    .strictObject({
      enable: z
        .boolean()
        .describe(
          'run the EdgeApplication controller: render the template per node group / label set (docs/node-groups.md)',
        ),
    })
    .describe('edge applications (apps.kubeedge.io EdgeApplication)'),
  leaderElection: z
    .strictObject({
      enable: z.boolean().describe('elect one active replica through a Lease (any number may run)'),
      leaseDuration: seconds('how long a leader holds the lease without renewing'),
      renewDeadline: seconds('how long the leader keeps trying to renew before giving up'),
      retryPeriod: seconds('interval between acquire/renew attempts'),
      resourceNamespace: z.string().min(1).describe('namespace of the coordination.k8s.io Lease'),
      resourceName: z
        .string()
        .min(1)
        .max(253)
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lower-case RFC 1123 name')
        .describe('name of the coordination.k8s.io Lease the replicas compete for'),
    })
    .superRefine((le, ctx) => {
      lessThan('renewDeadline', 'leaseDuration')(le, ctx);
      lessThan('retryPeriod', 'renewDeadline')(le, ctx);
    }, whenObject)
    .describe('leader election between replicas'),
  health: z
    .strictObject({
      address: z.string().min(1).describe('listen address of /healthz and /readyz'),
      port: z.number().int().min(0).max(65535).describe('listen port; 0 = any free port (logged at start)'),
    })
    .describe('health endpoint'),
});

export type ControllerManagerConfig = z.infer<typeof ControllerManagerConfigSchema>;

/** A fresh, mutable copy of the defaults. */
export function defaultControllerManagerConfig(): ControllerManagerConfig {
  return {
    apiVersion: CONTROLLERMANAGER_API_VERSION,
    kind: CONTROLLERMANAGER_KIND,
    store: defaultStoreConfig(),
    featureGates: { disableNodeTaskV1alpha2: false },
    nodeLifecycle: { enable: true, gracePeriod: 40, monitorPeriod: 5 },
    nodeTask: {
      enable: true,
      timeoutCheckPeriod: 5,
      maxJobBytes: 0,
      imageSecretNamespaces: [...DEFAULT_IMAGE_SECRET_NAMESPACES],
      pinReleaseDigest: true,
      defaultReleaseImage: 'kubeedge/installation-package',
      releaseRegistry: { username: '', passwordFile: '', insecure: false },
    },
    workload: { enable: 'auto', notReadyEvictionTimeout: 300, evictionCheckPeriod: 5 },
    nodeGroup: { enable: true },
    edgeApplication: { enable: true },
    leaderElection: {
      enable: false,
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      resourceNamespace: 'kubeedge',
      resourceName: 'kedge-controllermanager',
    },
    health: { address: '127.0.0.1', port: 0 },
  };
}
