// API errors translated at the boundary: an HTTP status and the API
// server's `Status` object become a KedgeError with the same code the SQLite
// backend raises, naming the object, the verb and the resource. Only
// Status.message / reason / causes are used: never the raw body, never a
// header (so never a token).
import { KedgeError, type ErrorCode, type KindName } from '@kedge/api';
import { refLabel, refString, type ObjectRef } from '../object-ref.ts';
import { apiGroupOf, rbacResource, resourceLabel, type Subresource } from './kube-paths.ts';

type KubeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** What a request was doing, for messages and RBAC wording. */
export interface KubeOperation {
  verb: KubeVerb;
  kind: KindName;
  /** The object, for requests on one object. */
  ref?: ObjectRef;
  /** The namespace of a collection request. */
  namespace?: string;
  subresource?: Subresource;
}

interface KubeStatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a metav1.Status kedge reads. */
interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: KubeStatusCause[] };
}

function asStatus(body: unknown): KubeStatus {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const details = typeof b['details'] === 'object' && b['details'] !== null ? b['details'] : undefined;
  return {
    ...(typeof b['message'] === 'string' ? { message: b['message'] } : {}),
    ...(typeof b['reason'] === 'string' ? { reason: b['reason'] } : {}),
    ...(typeof b['code'] === 'number' ? { code: b['code'] } : {}),
    ...(details ? { details: details as KubeStatus['details'] } : {}),
  };
}

/** `Node "edge-1"` for one object, `nodes` for a collection. */
function subjectOf(op: KubeOperation): string {
  if (op.ref) return refLabel(op.ref);
  return op.namespace ? `${rbacResource(op.kind)} in namespace "${op.namespace}"` : rbacResource(op.kind);
}

function contextOf(op: KubeOperation, httpStatus: number): Record<string, unknown> {
  return {
    resource: op.ref ? refString(op.ref) : op.kind,
    verb: op.verb,
    apiResource: rbacResource(op.kind, op.subresource),
    httpStatus,
  };
}

function make(
  code: ErrorCode,
  op: KubeOperation,
  httpStatus: number,
  message: string,
  extra = {},
): KedgeError {
  return new KedgeError(code, message, { ...contextOf(op, httpStatus), ...extra });
}

/** `forbidden: cannot update resource "nodeupgradejobs/status" in API group "operations.kubeedge.io" at the cluster scope` */
function forbiddenText(op: KubeOperation): string {
  const namespace = op.ref?.namespace || op.namespace;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return `forbidden: cannot ${op.verb} resource "${rbacResource(op.kind, op.subresource)}" in API group "${apiGroupOf(op.kind)}" ${scope}`;
}

/** Whether a 404 is about the object itself (rather than its namespace, or a kind the server does not serve). */
function objectMissing(op: KubeOperation, status: KubeStatus): boolean {
  const d = status.details;
  return op.ref !== undefined && d?.name === op.ref.name && d.kind === rbacResource(op.kind);
}

export function translateError(op: KubeOperation, httpStatus: number, body: unknown): KedgeError {
  const status = asStatus(body);
  const said = status.message ? `: ${status.message}` : '';
  const subject = subjectOf(op);
  switch (httpStatus) {
    case 400:
      return make('KEDGE_RESOURCE_INVALID', op, httpStatus, `${subject}: bad request${said}`);
    case 401:
      return make(
        'KEDGE_STORE_FORBIDDEN',
        op,
        httpStatus,
        `${subject}: unauthorized: the API server rejected the credentials (expired or unknown token?)`,
      );
    case 403:
      return make(
        'KEDGE_STORE_FORBIDDEN',
        op,
        httpStatus,
        `${subject}: ${forbiddenText(op)}; the API server said${said || ': forbidden'}`,
      );
    case 404:
      if (objectMissing(op, status))
        return make('KEDGE_STORE_NOT_FOUND', op, httpStatus, `${subject} not found`);
      if (status.details?.kind === 'namespaces') {
        return make(
          'KEDGE_STORE_NOT_FOUND',
          op,
          httpStatus,
          `${subject}: namespace "${status.details.name}" not found`,
        );
      }
      return make(
        'KEDGE_STORE_UNAVAILABLE',
        op,
        httpStatus,
        `${subject}: the API server does not serve ${resourceLabel(op.kind)} (is the CRD installed?)${said}`,
      );
    case 409:
      if (status.reason === 'AlreadyExists') {
        return make('KEDGE_STORE_ALREADY_EXISTS', op, httpStatus, `${subject} already exists`);
      }
      return make('KEDGE_STORE_CONFLICT', op, httpStatus, `${subject}: conflict${said}`);
    case 410:
      return make(
        'KEDGE_STORE_EXPIRED',
        op,
        httpStatus,
        `${subject}: resourceVersion too old, relist${said}`,
      );
    case 422: {
      const fields = (status.details?.causes ?? []).map((c) =>
        c.field ? `${c.field}: ${c.message ?? c.reason ?? 'invalid'}` : (c.message ?? c.reason ?? 'invalid'),
      );
      const detail = fields.length > 0 ? fields.join('; ') : (status.message ?? 'invalid');
      return make(
        'KEDGE_RESOURCE_INVALID',
        op,
        httpStatus,
        `invalid ${subject} (rejected by the API server): ${detail}`,
        { fields },
      );
    }
    default:
      return make(
        'KEDGE_STORE_UNAVAILABLE',
        op,
        httpStatus,
        `${subject}: ${op.verb} failed: the API server answered ${httpStatus}${status.reason ? ` ${status.reason}` : ''}${said}`,
      );
  }
}
