// @kedge/api: what other packages may use, by name and grouped by concern.
// A module's other exports are its own (or its tests'); add a name here when
// another package needs it (STYLE.md: one entry per package, no export *).

// Coded errors (docs/errors.md).
export {
  ERROR_CODES,
  type ErrorCode,
  errorCodeOf,
  type ErrorContext,
  errorMessage,
  hasCode,
  isKedgeError,
  KedgeError,
} from './errors.ts';

// The wire: the Beehive message envelope, routes and resource paths, the register and error
// contents, the logs stream.
export {
  type Message,
  MessageSchema,
  newMessage,
  type ObjectAckContent,
  ObjectAckContentSchema,
  replyTo,
} from './message.ts';
export {
  CloudModules,
  EdgeGroups,
  EdgeModules,
  edgeResource,
  nodeTaskResource,
  Operations,
  type ParsedEdgeResource,
  parseEdgeResource,
  parseNodeTaskResource,
  ResourceTypes,
  WireGroups,
} from './routes.ts';
export {
  type RegisterNodeContent,
  RegisterNodeContentSchema,
  type WireErrorContent,
  WireErrorContentSchema,
} from './node-register.ts';
export {
  LOGS_CHUNK_MAX,
  LOGS_ENDPOINTS_SECRET,
  LOGS_STREAM_BUFFER_MAX,
  type LogsChunk,
  LogsChunkSchema,
  type LogsEnd,
  type LogsEndpoint,
  LogsEndpointSchema,
  LogsEndSchema,
  logsPath,
  type LogsRequest,
  LogsRequestSchema,
  LogsRoute,
  logsTarget,
} from './logs-stream.ts';

// Kinds: the table of every kind (one zod schema = type + validation + CRD), validation, CRD
// rendering, the kinds kedge refuses.
export {
  type AnyResource,
  apiVersionOf,
  findKind,
  isKindName,
  type KindName,
  kindOfObject,
  kinds,
  type PrinterColumn,
  type ResourceKind,
  type ResourceOf,
} from './kinds.ts';
export { describeIssues, formatPath, validateAs, validateResource } from './validate.ts';
export { renderCrds } from './crd.ts';

// Resource schemas and types: metadata, core kinds, workloads, the node-task and node-group kinds.
export { type ConfigMap } from './resources/config-map.ts';
export {
  type ConfigUpdateJob,
  type ConfigUpdateJobSpec,
  ConfigUpdateJobSpecSchema,
} from './resources/config-update-job.ts';
export { type Container, type EnvVar, type Probe } from './resources/container.ts';
export { type Deployment, type DeploymentCondition, type DeploymentStatus } from './resources/deployment.ts';
export {
  type EdgeApplication,
  EdgeApplicationAnnotations,
  type EnvOverrider,
  type ImageOverrider,
  ManifestCondition,
  type ManifestStatus,
  type Overriders,
} from './resources/edge-application.ts';
export { type Event, EventSchema, EventType } from './resources/event.ts';
export {
  type ImagePrePullJob,
  type ImagePrePullNodeStatus,
  type ImagePrePullTemplate,
  ImagePrePullTemplateSchema,
  type ImageStatus,
} from './resources/image-prepull-job.ts';
export { IMAGE_REFERENCE_PATTERN } from './resources/image-reference.ts';
export { type Lease, type LeaseSpec, microTime } from './resources/lease.ts';
export { type LabelSelector, NAME_PATTERN, type ObjectMeta, rfc3339 } from './resources/meta.ts';
export {
  NODE_GROUP_FINALIZER,
  type NodeGroup,
  NodeGroupLabels,
  type NodeGroupMemberStatus,
  NodeReadyStatus,
  SelectionStatus,
  ServiceTopology,
} from './resources/node-group.ts';
export {
  ActionName,
  type ActionStatus,
  CheckItem,
  JobPhase,
  nodeTaskDefaults,
  NodeTaskPhase,
  NodeTaskType,
  normalizeActionName,
  RFC3339_PATTERN,
} from './resources/node-task-common.ts';
export {
  type NodeUpgradeJob,
  type NodeUpgradeJobNodeStatus,
  type NodeUpgradeJobSpec,
  NodeUpgradeJobSpecSchema,
} from './resources/node-upgrade-job.ts';
export {
  isEdgeNode,
  isNodeReady,
  type Node,
  NodeAnnotations,
  type NodeCondition,
  NodeLabels,
  nodeReadyCondition,
} from './resources/node.ts';
export { type NodeSelectorRequirement, type Toleration, type Volume } from './resources/pod-spec.ts';
export { type PodTemplateSpec, WorkloadAnnotations, WorkloadLabels } from './resources/pod-template.ts';
export {
  type ContainerState,
  type ContainerStatus,
  isPodReady,
  type Pod,
  podCondition,
  type PodCondition,
  PodSchema,
  type PodStatus,
  PodStatusSchema,
} from './resources/pod.ts';
export { type IntOrString, parseQuantity } from './resources/quantity.ts';
export { type ReplicaSet, type ReplicaSetStatus } from './resources/replica-set.ts';
export { type Secret, SecretSchema, secretValue } from './resources/secret.ts';
export {
  CLUSTER_DOMAIN,
  type Endpoint,
  type EndpointSlice,
  type Service,
  SERVICE_TOPOLOGY_RANGE_NODEGROUP,
  ServiceAnnotations,
  ServiceLabels,
  type ServicePort,
} from './resources/service.ts';

// Rules about nodes: the labels a node may give itself, the namespaces its pull Secrets may come
// from.
export { type RefusedLabel, screenNodeSelfLabels } from './node-self-labels.ts';
export {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  imageSecretScopeError,
  splitSecretRef,
} from './image-secret-scope.ts';

// The node-task domain, one home for every process that handles a job: the action flows and wire
// (flow), the job lens over the three kinds (job), its phase rules and failure tolerance, the
// progress counts, the mode of a process and the v1alpha1 state machine.
export {
  awaitsConfirmation,
  confirmationGiven,
  confirmedNodes,
  expectedAction,
  isWaitingForConfirmation,
  lastActionOf,
} from './node-task/entry-actions.ts';
export { exceedsFailureTolerate } from './node-task/failure-tolerance.ts';
export { FEATURE_GATES, type FeatureGates, FeatureGatesSchema } from './node-task/feature-gates.ts';
export {
  ACTION_FLOWS,
  actionOrder,
  type ActionProgress,
  ActionProgressSchema,
  type ActionReport,
  ActionReportSchema,
  CONFIRM_ANNOTATION,
  isActionInFlow,
  kindOfTaskType,
  nextAction,
  NODE_TASK_KINDS,
  nodePhaseAfter,
  type NodeTaskKind,
  NodeTaskOperations,
  type NodeTaskRequest,
  NodeTaskRequestSchema,
  RELEASE_PIN_ANNOTATION,
} from './node-task/flow.ts';
export { withFinalizerAndDefaults, withoutFinalizer } from './node-task/job-defaults.ts';
export {
  hasWorkToDispatch,
  isJobFinished,
  isNodeTaskFinal,
  isNodeTaskOpen,
  isRolloutOpen,
  withinFailureTolerance,
} from './node-task/job-phase.ts';
export {
  effectiveRollout,
  entriesOf,
  jobKey,
  NODE_TASK_KIND_NAMES,
  type NodeTaskEntry,
  type NodeTaskJob,
  parseJobKey,
  type Rollout,
  rolloutOf,
  rolloutPath,
  statusOf,
  type TaskEntry,
  type TaskStatus,
  taskTypeOf,
  withStatus,
} from './node-task/job.ts';
export { NodeTaskModeMarker } from './node-task/mode-marker.ts';
export { ModeRefusals } from './node-task/mode-refusals.ts';
export {
  CREATED_AS_ANNOTATION,
  isModeSkipStatus,
  type ManagedFieldsEntry,
  modeSkipStatus,
  NODE_TASK_MODE_CONFIGMAP,
  NodeTaskMode,
  nodeTaskModeKey,
  nodeTaskModeOf,
  nodeTaskVersionOf,
  recordServedVersion,
  withCreatedAsFromManagedFields,
} from './node-task/mode.ts';
export { countNodeTasks, formatProgress, type NodeTaskCounts } from './node-task/progress.ts';
export {
  v1alpha1Counts,
  v1alpha1Entries,
  type V1alpha1Entry,
  type V1alpha1Job,
  v1alpha1JobPhase,
  v1alpha1JobState,
  type V1alpha1JobState,
  withV1alpha1Status,
} from './node-task/v1alpha1-status.ts';
export {
  isV1alpha1Final,
  parseV1alpha1ReportResource,
  parseV1alpha1TaskResource,
  V1ALPHA1_STAGE_EVENT,
  V1ALPHA1_STAGES,
  V1alpha1Action,
  V1alpha1Event,
  type V1alpha1Kind,
  v1alpha1ReportResource,
  V1alpha1State,
  type V1alpha1TaskRequest,
  V1alpha1TaskRequestSchema,
  v1alpha1TaskResource,
  type V1alpha1TaskResponse,
  V1alpha1TaskResponseSchema,
  V1alpha1TaskType,
  v1alpha1Transition,
  v1alpha1TypeOfKind,
} from './node-task/v1alpha1.ts';

// edgecore.yaml's schema and field lookups (shared: the store checks ConfigUpdateJob updateFields
// against it).
export { configFieldInfo, lookupConfigField } from './config/config-fields.ts';
export { configUpdateProblems } from './config/config-update-fields.ts';
export { convertConfigValue } from './config/convert-config-value.ts';
export {
  defaultEdgeCoreConfig,
  type EdgeCoreConfig,
  EdgeCoreConfigSchema,
} from './config/edgecore-config-schema.ts';
export {
  configValueMessage,
  isPlainObject,
  secondsField,
  unwrapSchema,
  valueAt,
  whenObject,
} from './config/schema-helpers.ts';
