// The `store:` section of cloudcore.yaml and controllermanager.yaml: which
// backend openStore opens and how. One schema and one set of defaults for
// both daemons.
import { z } from 'zod';
import { valueAt, whenObject } from '@kedge/api';

export const StoreConfigSchema = z
  .strictObject({
    backend: z
      .enum(['sqlite', 'kubernetes'])
      .describe('sqlite (embedded, one file) or kubernetes (a kube-apiserver)'),
    sqlite: z
      .strictObject({
        path: z.string().describe('database file, created on first start'),
        eventTTL: z
          .number()
          .min(0)
          .describe(
            'delete Events stored longer ago than this (seconds; kube-apiserver --event-ttl); 0 = never',
          ),
      })
      .describe('used when backend is sqlite'),
    kubernetes: z
      .strictObject({
        kubeconfig: z.string().describe('kubeconfig file; empty = $KUBECONFIG or ~/.kube/config'),
        inCluster: z.boolean().describe('use the pod service account instead of a kubeconfig'),
      })
      .describe('used when backend is kubernetes'),
  })
  .superRefine((store, ctx) => {
    if (valueAt(store, ['backend']) === 'sqlite' && valueAt(store, ['sqlite', 'path']) === '') {
      ctx.addIssue({ code: 'custom', path: ['sqlite', 'path'], message: 'required when backend is sqlite' });
    }
    const kube = valueAt(store, ['kubernetes']);
    if (valueAt(kube, ['inCluster']) === true && valueAt(kube, ['kubeconfig'])) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubernetes', 'kubeconfig'],
        message: 'must be empty when inCluster is true',
      });
    }
  }, whenObject)
  .describe('where cluster resources are stored');
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export function defaultStoreConfig(): StoreConfig {
  return {
    backend: 'sqlite',
    sqlite: { path: '/var/lib/kedge/kedge.db', eventTTL: 3600 },
    kubernetes: { kubeconfig: '', inCluster: false },
  };
}
