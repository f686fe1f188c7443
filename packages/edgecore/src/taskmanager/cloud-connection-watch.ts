// Whether edgecore is registered with the cloud, as EdgeHub announces it
// (cloud_connected / cloud_disconnected), for actions that must wait for it:
// an upgraded edgecore reports success only once it is connected.

export class CloudConnectionWatch {
  #connected = false;
  #waiters: (() => void)[] = [];

  get connected(): boolean {
    return this.#connected;
  }

  set(connected: boolean): void {
    this.#connected = connected;
    if (!connected) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when connected (at once if connected now); rejects with the signal's reason on abort. */
  whenConnected(signal: AbortSignal): Promise<void> {
    if (this.#connected) return Promise.resolve();
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(signal.reason as Error);
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
