// The kube-apiserver's audit log as a record of what each kedge process
// really asked for: a Metadata-level policy for the kubeedge service
// accounts, read back as (user, verb, resource, code) rows.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SA_GROUP = 'system:serviceaccounts:kubeedge';

/** kube-apiserver flags that write the audit log of the kubeedge service accounts to `<dir>/audit.log`. */
export function auditArgs(dir: string): { args: string[]; logFile: string } {
  const policy = join(dir, 'audit-policy.json');
  const logFile = join(dir, 'audit.log');
  writeFileSync(
    policy,
    JSON.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [{ level: 'Metadata', userGroups: [SA_GROUP] }, { level: 'None' }],
    }),
  );
  return {
    args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logFile}`, '--audit-log-format=json'],
    logFile,
  };
}

export interface AuditRow {
  user: string;
  verb: string;
  /** `nodes`, `nodes/status`, `leases`, ... */
  resource: string;
  apiGroup: string;
  namespace: string;
  name: string;
  code: number;
}

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    apiGroup?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
}

export function readAudit(logFile: string): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as AuditEvent;
    if (e.stage !== 'ResponseComplete' || !e.objectRef?.resource) continue;
    const r = e.objectRef;
    rows.push({
      user: e.user?.username ?? '',
      verb: e.verb ?? '',
      resource: r.subresource ? `${r.resource}/${r.subresource}` : (r.resource ?? ''),
      apiGroup: r.apiGroup ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
      code: e.responseStatus?.code ?? 0,
    });
  }
  return rows;
}

/** `verb resource` pairs one user used (sorted, unique), e.g. `patch nodes/status`. */
export function usedBy(rows: AuditRow[], user: string): string[] {
  return [...new Set(rows.filter((r) => r.user === user).map((r) => `${r.verb} ${r.resource}`))].sort();
}
