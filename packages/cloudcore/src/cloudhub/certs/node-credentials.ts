// Everything about a node's credentials that outlives one connection: the
// revocation records (and the watch that keeps them current), the Node
// deletions that create them, and, when the cloud has a CA, the bootstrap
// server that signs certificates. CloudCore closes the live session of a
// node as soon as it is revoked, on every replica.
import { errorMessage } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import type { NodeAuthenticator } from '../cloud-hub.ts';
import { CertServer } from './cert-server.ts';
import type { CloudCa } from './cloud-ca.ts';
import { watchNodeDeletions } from './node-deletions.ts';
import { NodeRevocations, revokeNode } from './node-revocations.ts';
import { certificateAuthenticator } from './tunnel-auth.ts';

export interface NodeCredentialsOptions {
  store: ResourceStore;
  log: Logger;
  clock: Clock;
  tokenSecret: string | Buffer;
  /** The cloud CA: node identity comes from client certificates it signed. Omitted = token mode. */
  certificates?:
    | {
        ca: CloudCa;
        serverCert: { cert: string; key: string };
        /** The bootstrap server (GET /ca.crt, /edge.crt); omitted = not served by this replica. */
        https?: { host: string; port: number } | undefined;
        edgeCertValidityMs: number;
      }
    | undefined;
}

export class NodeCredentials {
  readonly revocations = new NodeRevocations();
  readonly authenticate: NodeAuthenticator | undefined;
  private readonly o: NodeCredentialsOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private certServer: CertServer | undefined;
  httpsPort: number | undefined;

  constructor(options: NodeCredentialsOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'nodecredentials' });
    this.authenticate = options.certificates ? certificateAuthenticator(this.revocations) : undefined;
  }

  /** Calls `close` for every node revoked from now on (by keadm revoke or a Node deletion, on any replica). */
  onRevoked(close: (node: string) => void): void {
    this.revocations.onRevoked((node) => close(node));
  }

  async start(): Promise<void> {
    const { store, clock } = this.o;
    const signal = this.abort.signal;
    await this.revocations.start(store, this.log, signal);
    await watchNodeDeletions(store, {
      log: this.log,
      clock,
      signal,
      onDeleted: (node) => {
        revokeNode(store, node, clock.now()).then(
          () => this.log.info({ node }, 'Node deleted: its certificates and earlier tokens are refused'),
          (err: unknown) =>
            this.log.warn({ node, err: errorMessage(err) }, 'could not record the revocation'),
        );
      },
    });
    const certs = this.o.certificates;
    if (certs?.https) {
      this.certServer = new CertServer({
        host: certs.https.host,
        port: certs.https.port,
        ca: certs.ca,
        serverCert: certs.serverCert,
        tokenSecret: this.o.tokenSecret,
        revocations: this.revocations,
        edgeCertValidityMs: certs.edgeCertValidityMs,
        log: this.o.log,
        clock,
      });
      this.httpsPort = await this.certServer.start();
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.certServer?.stop();
  }
}
