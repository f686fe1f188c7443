// Small helpers for AbortSignal-driven code.

// One real 'abort' listener per signal, fanning out to the hooks below.
// EventTarget's addEventListener compares the new listener with every one it
// already holds, so 100,000 pending sleeps on one long-lived signal (object
// sync's ack timeouts at 10,000 nodes x 10 pods) made each new sleep cost a
// scan of all of them. Keyed weakly by the signal: it lives as long as it does.
const hooksOf = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts (not at all if it already has);
 * returns the cancel. Both are O(1) however many hooks the signal holds.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  let hooks = hooksOf.get(signal);
  if (!hooks) {
    const fresh = new Set<() => void>();
    hooksOf.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        hooksOf.delete(signal);
        for (const hook of fresh) hook();
        fresh.clear();
      },
      { once: true },
    );
    hooks = fresh;
  }
  const hook = (): void => fn(); // its own identity, so registering one fn twice hooks it twice
  hooks.add(hook);
  const registered = hooks;
  return () => {
    registered.delete(hook);
  };
}

/** Resolves (with the abort reason) once `signal` aborts. */
export function onceAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/**
 * Settles like `promise`, unless `signal` aborts first: then rejects with
 * signal.reason. The abort listener is removed either way, so it is safe to
 * call in a loop with a long-lived signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const cancel = whenAborted(signal, () => reject(signal.reason as Error));
    promise.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (err: unknown) => {
        cancel();
        reject(err as Error);
      },
    );
  });
}
