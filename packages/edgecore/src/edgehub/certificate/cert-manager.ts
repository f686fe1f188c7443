// The edge node's client certificate: obtained with the join token on first
// start (or after the cloud revoked the node), kept in tlsCertFile /
// tlsPrivateKeyFile beside the cloud CA in tlsCaFile, and renewed with the
// current certificate at 70-90% of its lifetime (jittered per node, as in
// KubeEdge) so it never expires under a running node.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { writeFileDurable } from '@kedge/installer';
import { splitJoinToken } from '@kedge/tokens';
import { fetchCloudCa, requestEdgeCert } from './bootstrap-client.ts';
import { newNodeKeyAndCsr } from './x509.ts';

interface EdgeCertFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EdgeTlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface CertManagerOptions {
  nodeName: string;
  /** https://host:10002 */
  httpServer: string;
  /** `<ca-hash>.<jwt>` from keadm gettoken. */
  token: string;
  files: EdgeCertFiles;
  rotate: boolean;
  clock: Clock;
  log: Logger;
  /** 0..1, where in the 70-90% window this node renews; default random. */
  jitter?: number;
}

export class CertManager {
  private readonly o: CertManagerOptions;
  private readonly jitter: number;

  constructor(options: CertManagerOptions) {
    this.o = options;
    this.jitter = options.jitter ?? Math.random();
  }

  /** The material for the next connection: bootstraps when there is none, renews when due. */
  async prepare(): Promise<EdgeTlsMaterial> {
    const current = this.read();
    if (!current) return this.bootstrap();
    if (this.o.rotate && this.o.clock.now() >= this.renewAt(current.cert)) {
      try {
        return await this.renew(current);
      } catch (err: unknown) {
        this.o.log.warn({ err: errorMessage(err) }, 'certificate renewal failed; using the current one');
      }
    }
    return current;
  }

  /** Renews the certificate when due while the node runs (checked at least hourly). */
  async rotationLoop(signal: AbortSignal): Promise<void> {
    if (!this.o.rotate) return;
    while (!signal.aborted) {
      const current = this.read();
      const wait = current ? this.renewAt(current.cert) - this.o.clock.now() : 1000; // not joined yet: look again soon
      const aborted = await this.o.clock.sleep(Math.min(Math.max(wait, 1000), 3600_000), signal).then(
        () => false,
        () => true,
      );
      if (aborted) return;
      if (current && this.o.clock.now() >= this.renewAt(current.cert)) {
        await this.prepare().catch((err: unknown) =>
          this.o.log.warn({ err: errorMessage(err) }, 'certificate renewal failed; retrying later'),
        );
      }
    }
  }

  /** The cloud refused the certificate (revoked / Node deleted): forget it, join with the token next. */
  discard(): void {
    rmSync(this.o.files.certFile, { force: true });
    this.o.log.warn(
      { file: this.o.files.certFile },
      'the cloud revoked this node; it will join again with its token',
    );
  }

  /** When this certificate should be renewed: notBefore + (70..90% of its lifetime). */
  renewAt(certPem: string): number {
    const cert = new X509Certificate(certPem);
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    return from + (to - from) * (0.7 + 0.2 * this.jitter);
  }

  private read(): EdgeTlsMaterial | undefined {
    const { caFile, certFile, keyFile } = this.o.files;
    if (![caFile, certFile, keyFile].every((f) => existsSync(f))) return undefined;
    const material = {
      ca: readFileSync(caFile, 'utf8'),
      cert: readFileSync(certFile, 'utf8'),
      key: readFileSync(keyFile, 'utf8'),
    };
    const expires = Date.parse(new X509Certificate(material.cert).validTo);
    if (expires <= this.o.clock.now()) {
      this.o.log.warn({ file: certFile }, 'the client certificate has expired; joining again with the token');
      return undefined;
    }
    return material;
  }

  private async bootstrap(): Promise<EdgeTlsMaterial> {
    const token = splitJoinToken(this.o.token);
    if (token === undefined) {
      throw new KedgeError(
        'KEDGE_AUTH_TOKEN_INVALID',
        'modules.edgeHub.token: not a join token (<ca-hash>.<jwt>, from keadm gettoken)',
        { fields: ['modules.edgeHub.token'] },
      );
    }
    const ca = await fetchCloudCa(this.o.httpServer, token.caHash);
    const { keyPem, csrDer } = await newNodeKeyAndCsr(this.o.nodeName);
    const cert = await requestEdgeCert(this.o.httpServer, {
      caPem: ca,
      nodeName: this.o.nodeName,
      csrDer,
      jwt: token.jwt,
    });
    this.save({ ca, cert, key: keyPem });
    this.o.log.info({ file: this.o.files.certFile }, 'joined: got a client certificate from the cloud');
    return { ca, cert, key: keyPem };
  }

  private async renew(current: EdgeTlsMaterial): Promise<EdgeTlsMaterial> {
    const { keyPem, csrDer } = await newNodeKeyAndCsr(this.o.nodeName);
    const cert = await requestEdgeCert(this.o.httpServer, {
      caPem: current.ca,
      nodeName: this.o.nodeName,
      csrDer,
      clientCert: { cert: current.cert, key: current.key },
    });
    const next = { ca: current.ca, cert, key: keyPem };
    this.save(next);
    this.o.log.info({ file: this.o.files.certFile }, 'renewed the client certificate');
    return next;
  }

  private save(m: EdgeTlsMaterial): void {
    const { caFile, certFile, keyFile } = this.o.files;
    for (const f of [caFile, certFile, keyFile]) mkdirSync(dirname(f), { recursive: true });
    writeFileDurable(caFile, m.ca, 0o644);
    writeFileDurable(keyFile, m.key, 0o600);
    writeFileDurable(certFile, m.cert, 0o644);
  }
}
