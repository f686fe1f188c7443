// runServices in the background, for a component whose callers want a
// start()/stop() pair (a daemon's app, a test): startServices resolves once
// every service is ready, or rejects with the start failure after the ones
// already started were stopped in reverse; stop() stops them in reverse and
// may be called any number of times.
import { runServices, type RunServicesOptions, type Service } from './service.ts';

export interface StartedServices {
  /** Stops the services in reverse order; resolves once they stopped. Idempotent. */
  stop(): Promise<void>;
  /**
   * Settles when the services have stopped: resolves after stop(), rejects with the failure when
   * one of them failed while running (the others were then stopped).
   */
  readonly done: Promise<void>;
}

export async function startServices(
  services: readonly Service[],
  o: RunServicesOptions,
): Promise<StartedServices> {
  const abort = new AbortController();
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = runServices(services, abort.signal, {
    ...o,
    onStarted: () => {
      o.onStarted?.();
      markStarted();
    },
  });
  // Rejects with a start failure once runServices stopped what had started.
  await Promise.race([started, done]);
  const quiet = done.catch(() => undefined);
  return {
    done,
    stop: async () => {
      abort.abort();
      await quiet;
    },
  };
}
