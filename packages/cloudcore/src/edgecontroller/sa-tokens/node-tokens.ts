// The ServiceAccount tokens in a node's desired set: one per pod bound to it
// that mounts a token (token-object.ts), while the pod stays there. The node
// authorizer rule is the pod's: a node may hold and read the token of a pod
// bound to it, never another's.
import type { Pod } from '@kedge/api';
import type { DesiredObject } from '../sync-plan.ts';
import type { PodTokens } from './pod-tokens.ts';
import { needsServiceAccountToken, tokenObject, tokenUid } from './token-object.ts';

export class NodeTokens {
  readonly #tokens: PodTokens;
  readonly #caCrt: string;

  constructor(tokens: PodTokens, caCrt: string) {
    this.#tokens = tokens;
    this.#caCrt = caCrt;
  }

  /** Tokens issued so far for `pods` (all bound to `node`); missing ones are being issued. */
  desired(node: string, pods: Iterable<Pod>): DesiredObject[] {
    const out: DesiredObject[] = [];
    for (const pod of pods) {
      const object = this.get(pod, node);
      if (object === undefined) continue;
      out.push({
        uid: tokenUid(pod.metadata.uid ?? ''),
        kind: 'ServiceAccountToken',
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name,
        resourceVersion: object.metadata.resourceVersion,
        object,
      });
    }
    return out;
  }

  /** The token object of `pod` for `node`, or undefined (not bound there, no token, not issued yet). */
  get(pod: Pod | undefined, node: string): ReturnType<typeof tokenObject> | undefined {
    if (!pod?.metadata.uid || pod.spec.nodeName !== node || !needsServiceAccountToken(pod)) return undefined;
    const issued = this.#tokens.want(pod, node);
    return issued ? tokenObject(pod, issued, this.#caCrt) : undefined;
  }

  /** The pod was deleted: its token is dropped from every desired set and no longer refreshed. */
  forget(uid: string): void {
    this.#tokens.forget(uid);
  }
}
