// The ServiceAccount tokens of the pods on the nodes this replica serves:
// issued the first time a node's desired set asks for one (so a replica
// mints tokens only for nodes connected to it), forgotten when the pod is
// deleted. Once 80% of a token's life has passed, its node is reported
// changed; the replacement is issued when the node's desired set asks again
// (at once for a node connected here; never for one that left, so a replica
// does not keep minting tokens for another replica's nodes). A failed issue
// is retried with a doubling delay (1 s .. 60 s). Whenever a token is issued
// or due, the node it is for is reported changed, and object sync sends it.
import type { Pod } from '@kedge/api';
import { errorMessage } from '@kedge/api';
import { whenAborted, type Clock, type Logger } from '@kedge/runtime';
import {
  TOKEN_EXPIRATION_SECONDS,
  refreshAtMs,
  serviceAccountOf,
  type IssuedToken,
  type TokenIssuer,
} from './token-object.ts';

export interface PodTokensOptions {
  issuer: TokenIssuer;
  clock: Clock;
  log: Logger;
  /** Ends every refresh and retry. */
  signal: AbortSignal;
  onIssued(node: string): void;
  expirationSeconds?: number;
}

interface Entry {
  pod: Pod;
  node: string;
  issued: IssuedToken | undefined;
  /** Aborted when the pod is forgotten. */
  stop: AbortController;
  /** Set while a due token waits for its node to ask again; want() calls it. */
  renew: (() => void) | undefined;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;

export class PodTokens {
  readonly #o: PodTokensOptions;
  readonly #byUid = new Map<string, Entry>();

  constructor(o: PodTokensOptions) {
    this.#o = o;
  }

  /** The pod's current token; the first call for a pod starts issuing it (and returns undefined). */
  want(pod: Pod, node: string): IssuedToken | undefined {
    const uid = pod.metadata.uid;
    if (!uid) return undefined;
    const entry = this.#byUid.get(uid);
    if (entry && entry.node === node) {
      entry.renew?.();
      // an expired token is never handed out (a node back after hours waits for the new one)
      return entry.issued && entry.issued.expiresAtMs > this.#o.clock.now() ? entry.issued : undefined;
    }
    if (entry) this.forget(uid);
    const stop = new AbortController();
    const fresh: Entry = { pod, node, issued: undefined, stop, renew: undefined };
    this.#byUid.set(uid, fresh);
    this.#run(fresh).catch((err: unknown) => {
      if (!stop.signal.aborted) this.#o.log.error({ err: errorMessage(err), node, uid }, 'token loop ended');
    });
    return undefined;
  }

  forget(uid: string): void {
    this.#byUid.get(uid)?.stop.abort();
    this.#byUid.delete(uid);
  }

  get size(): number {
    return this.#byUid.size;
  }

  async #run(entry: Entry): Promise<void> {
    const signal = AbortSignal.any([this.#o.signal, entry.stop.signal]);
    const { clock, log, issuer } = this.#o;
    const namespace = entry.pod.metadata.namespace ?? 'default';
    const context = { node: entry.node, resource: `pods/${namespace}/${entry.pod.metadata.name}` };
    let retryMs = RETRY_MIN_MS;
    while (!signal.aborted) {
      let issued: IssuedToken;
      try {
        issued = await issuer.issue(
          {
            namespace,
            serviceAccount: serviceAccountOf(entry.pod),
            pod: { name: entry.pod.metadata.name, uid: entry.pod.metadata.uid ?? '' },
            node: entry.node,
            expirationSeconds: this.#o.expirationSeconds ?? TOKEN_EXPIRATION_SECONDS,
          },
          clock.now(),
        );
      } catch (err: unknown) {
        if (signal.aborted) return;
        log.warn(
          { ...context, err: errorMessage(err), retryMs },
          'ServiceAccount token not issued; will retry',
        );
        await clock.sleep(retryMs, signal).catch(() => undefined);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        continue;
      }
      if (signal.aborted) return;
      retryMs = RETRY_MIN_MS;
      entry.issued = issued;
      log.debug(
        { ...context, mode: issuer.mode, expiresAt: issued.expiresAtMs },
        'ServiceAccount token issued',
      );
      this.#o.onIssued(entry.node);
      await clock.sleep(Math.max(0, refreshAtMs(issued) - clock.now()), signal).catch(() => undefined);
      if (signal.aborted) return;
      // due: the node asks again (want) when its objects are next computed, which this report causes
      let cancel = (): void => undefined;
      await new Promise<void>((resolve) => {
        entry.renew = resolve;
        cancel = whenAborted(signal, resolve); // released below: one renewal per token lifetime would pile up
        this.#o.onIssued(entry.node);
      });
      cancel();
      entry.renew = undefined;
    }
  }
}
