import {lookup} from 'node:dns/promises';
import {readFileSync} from 'node:fs';
import {connect as netConnect} from 'node:net';
import {checkServerIdentity, type PeerCertificate, connect as tlsConnect} from 'node:tls';

/**
 * The layers under every service protocol, probed one by one (cdcctl doctor): name resolution, a TCP
 * connection, a TLS handshake. Each answers what it saw and never throws for a failed probe — a
 * refused port or an expired certificate is a finding, not an error.
 */

export interface DnsResult {
  ok: boolean;
  addresses: string[];
  ms: number;
  error?: string;
}

export async function resolveHost(host: string, timeoutMs: number): Promise<DnsResult> {
  const t0 = performance.now();
  try {
    const found = await withTimeout(lookup(host, {all: true}), timeoutMs, `DNS lookup of ${host}`);
    return {ok: true, addresses: found.map((a) => a.address), ms: performance.now() - t0};
  } catch (err) {
    return {ok: false, addresses: [], ms: performance.now() - t0, error: errorText(err)};
  }
}

export interface TcpResult {
  ok: boolean;
  /** Connect round trip (SYN → established), milliseconds. */
  rttMs: number;
  error?: string;
  /** The socket error's code (ECONNREFUSED: nothing listens there; a timeout has none). */
  code?: string;
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<TcpResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = netConnect({host, port});
    const done = (r: TcpResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ok: false, rttMs: performance.now() - t0, error: `no answer within ${timeoutMs} ms`}),
      timeoutMs,
    );
    socket.once('connect', () => done({ok: true, rttMs: performance.now() - t0}));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ok: false, rttMs: performance.now() - t0, error: errorText(err), code: err.code}),
    );
  });
}

export interface CertInfo {
  subject: string;
  issuer: string;
  validTo: string;
  /** Days until expiry (negative once expired). */
  daysLeft: number;
  selfSigned: boolean;
}

export interface TlsResult {
  ok: boolean;
  protocol?: string;
  /** The chain verified against the trusted CAs (the context's bundle or the system's). */
  trusted: boolean;
  trustError?: string;
  hostnameMatch: boolean;
  hostnameError?: string;
  /** Leaf first. */
  chain: CertInfo[];
  ms: number;
  error?: string;
}

export interface TlsOptions {
  /** PEM CA bundle path. */
  caFile?: string;
  /** Name checked against the certificate (default: the host). */
  servername?: string;
  /** Some protocols (PostgreSQL) open TLS only after a plaintext request: write it first. */
  preamble?: {request: Buffer; expect: (answer: Buffer) => boolean};
}

/**
 * A TLS handshake that accepts any certificate, then judges it: chain trust, hostname, expiry —
 * so an expired or self-signed certificate is described rather than just refused.
 */
export function tlsHandshake(host: string, port: number, timeoutMs: number, opts: TlsOptions = {}): Promise<TlsResult> {
  const t0 = performance.now();
  const servername = opts.servername ?? host;
  return new Promise((resolve) => {
    let settled = false;
    const raw = netConnect({host, port});
    let secure: ReturnType<typeof tlsConnect> | undefined;
    const finish = (r: Omit<TlsResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // end the TLS socket (it owns the raw one): destroying the raw socket under it can crash Node
      setImmediate(() => (secure ?? raw).destroy());
      resolve({...r, ms: performance.now() - t0});
    };
    const fail = (error: string) => finish({ok: false, trusted: false, hostnameMatch: false, chain: [], error});
    const timer = setTimeout(() => fail(`no TLS handshake within ${timeoutMs} ms`), timeoutMs);
    raw.once('error', (err) => fail(errorText(err)));
    const handshake = () => {
      let ca: Buffer | undefined;
      try {
        ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
      } catch (err) {
        fail(`cannot read the CA bundle ${opts.caFile}: ${errorText(err)}`);
        return;
      }
      const socket = tlsConnect({
        socket: raw,
        servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
        ca,
        rejectUnauthorized: false,
      });
      secure = socket;
      socket.once('error', (err) => fail(errorText(err)));
      socket.once('secureConnect', () => {
        const peer = socket.getPeerCertificate(true);
        const chain = certChain(peer);
        const identity = peer && Object.keys(peer).length > 0 ? checkServerIdentity(servername, peer) : undefined;
        finish({
          ok: true,
          protocol: socket.getProtocol() ?? undefined,
          trusted: socket.authorized,
          trustError: socket.authorized ? undefined : String(socket.authorizationError ?? 'untrusted'),
          hostnameMatch: identity === undefined,
          hostnameError: identity?.message,
          chain,
        });
      });
    };
    raw.once('connect', () => {
      const pre = opts.preamble;
      if (!pre) return handshake();
      raw.write(pre.request);
      raw.once('data', (answer) => {
        if (pre.expect(answer)) handshake();
        else fail('the server does not offer TLS');
      });
    });
  });
}

function certChain(leaf: PeerCertificate | undefined): CertInfo[] {
  const out: CertInfo[] = [];
  const seen = new Set<string>();
  let cert = leaf as (PeerCertificate & {issuerCertificate?: PeerCertificate}) | undefined;
  while (cert && Object.keys(cert).length > 0 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const validTo = new Date(cert.valid_to);
    out.push({
      subject: dn(cert.subject),
      issuer: dn(cert.issuer),
      validTo: validTo.toISOString(),
      daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
      selfSigned: cert.fingerprint256 === (cert.issuerCertificate as PeerCertificate | undefined)?.fingerprint256,
    });
    cert = cert.issuerCertificate as typeof cert;
  }
  return out;
}

function dn(name: object | undefined): string {
  if (!name) return '';
  return Object.entries(name as Record<string, string | string[] | undefined>)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : (v ?? '')}`)
    .join(', ');
}

/** PostgreSQL's SSLRequest (protocol 3: length 8, code 80877103); the server answers 'S' or 'N'. */
export const POSTGRES_SSL_REQUEST = {
  request: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
  expect: (answer: Buffer) => answer[0] === 0x53,
};

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
}
