// RBAC that is NOT enough: a copy of rbac.yaml's cloudcore roles for another
// ServiceAccount with one permission taken out, to show what a process says
// when its token lacks something.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { NAMESPACE, RBAC_FILE } from './cluster-fleet.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string; apiGroup: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/**
 * Manifests that give ServiceAccount kubeedge/<serviceAccount> what cloudcore gets, minus `verb`
 * on `resource`; apply them with kubectl.
 */
export function cloudcoreRoleWithout(serviceAccount: string, verb: string, resource: string): string {
  const docs = parseAllDocuments(readFileSync(RBAC_FILE, 'utf8')).map((d) => d.toJS() as Doc);
  const out: Doc[] = [];
  for (const d of docs) {
    // kedge-cloudcore and kedge-cloudcore-pod-secrets, each renamed for this ServiceAccount.
    if (!d.metadata.name.startsWith('kedge-cloudcore')) continue;
    const name = `kedge-${serviceAccount}${d.metadata.name.slice('kedge-cloudcore'.length)}`;
    if (d.rules) {
      const rules = d.rules
        .map((r) => (r.resources.includes(resource) ? { ...r, verbs: r.verbs.filter((v) => v !== verb) } : r))
        .filter((r) => r.verbs.length > 0);
      out.push({ ...d, metadata: { ...d.metadata, name }, rules });
    } else if (d.roleRef) {
      out.push({
        ...d,
        metadata: { ...d.metadata, name },
        roleRef: { ...d.roleRef, name },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: NAMESPACE }],
      });
    }
  }
  return out.map((d) => stringify(d)).join('---\n');
}
