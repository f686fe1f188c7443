// Cluster mode: the token comes from kube-apiserver's TokenRequest API
// (POST serviceaccounts/<sa>/token), bound to the pod so it dies with it,
// with the API server's default audience and the asked-for lifetime.
import type { ServiceAccountTokenRequester } from '@kedge/store';
import type { IssuedToken, TokenFor, TokenIssuer } from './token-object.ts';

export class KubeTokenIssuer implements TokenIssuer {
  readonly mode = 'tokenrequest';
  readonly #requester: ServiceAccountTokenRequester;

  constructor(requester: ServiceAccountTokenRequester) {
    this.#requester = requester;
  }

  async issue(r: TokenFor, nowMs: number): Promise<IssuedToken> {
    const status = await this.#requester.requestServiceAccountToken(r.namespace, r.serviceAccount, {
      expirationSeconds: r.expirationSeconds,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: r.pod.name, uid: r.pod.uid },
    });
    const expiresAtMs = Date.parse(status.expirationTimestamp);
    return {
      token: status.token,
      issuedAtMs: nowMs,
      expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : nowMs + r.expirationSeconds * 1000,
    };
  }
}
