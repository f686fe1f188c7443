// The cloudcore addresses an edge node may dial (modules.edgeHub.websocket.
// server, then .servers) and which one to dial next. The node stays with the
// address that last worked: after a drop it dials that one again first. A
// failed attempt moves on to the next address at once; only when every
// address failed in a row does the caller back off before the next round.
import { KedgeError } from '@kedge/api';

export class CloudAddresses {
  readonly all: readonly string[];
  #index = 0;
  #failedInRow = 0;

  constructor(server: string, more: readonly string[] = []) {
    this.all = [...new Set([server, ...more].filter((a) => a !== ''))];
    if (this.all.length === 0) {
      throw new KedgeError(
        'KEDGE_CONFIG_INVALID',
        'modules.edgeHub.websocket.server: no cloudcore address configured (server and servers are empty)',
        { fields: ['modules.edgeHub.websocket.server'] },
      );
    }
  }

  /** The address to dial now. */
  get current(): string {
    return this.all[this.#index] as string;
  }

  /** The node registered through the current address. */
  succeeded(): void {
    this.#failedInRow = 0;
  }

  /** An attempt on the current address failed; returns true when another address is still untried in this round. */
  failed(): boolean {
    this.#index = (this.#index + 1) % this.all.length;
    this.#failedInRow += 1;
    if (this.#failedInRow < this.all.length) return true;
    this.#failedInRow = 0;
    return false;
  }
}
