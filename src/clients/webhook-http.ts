import {lookup as dnsLookup, type LookupAddress} from 'node:dns';
import {Agent as HttpAgent, request as httpRequest, type IncomingMessage} from 'node:http';
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https';
import {BlockList, isIP} from 'node:net';
import {rootCertificates} from 'node:tls';

/**
 * Outgoing webhook requests: one POST to a receiver's URL, over keep-alive agents, with a deadline
 * for the whole exchange. Where private targets are not allowed, the agents resolve host names
 * through a guard that refuses loopback, private, link-local and other non-public addresses at
 * connection time — the address actually connected to is the one checked (no DNS rebinding between a
 * check and the request).
 */

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local, reserved … (an IPv4-mapped IPv6 address by its IPv4). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return NON_PUBLIC.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class TargetRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`refused to connect to ${host} (${address}): not a public address`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails when any address of the name is non-public (all are checked: a mixed answer is refused). */
function guardedLookup(hostname: string, options: {all?: boolean; family?: number}, callback: LookupCallback): void {
  dnsLookup(hostname, {...options, all: true}, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(Object.assign(new TargetRefused(hostname, bad.address), {code: 'ETARGETREFUSED'}), '');
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), {code: 'ENOTFOUND'}), '');
    callback(null, first.address, first.family);
  });
}

/** Resolves a host name (or takes an IP literal) and returns its addresses, for validation before saving a URL. */
export function resolveAddresses(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return Promise.resolve([bare]);
  return new Promise((resolve, reject) =>
    dnsLookup(bare, {all: true}, (err, addresses) =>
      err ? reject(err) : resolve((addresses as LookupAddress[]).map((a) => a.address)),
    ),
  );
}

export interface WebhookTransportOptions {
  allowPrivate: boolean;
  /** PEM CA bundle(s) to trust in addition to the system's. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  maxSockets?: number;
}

export interface WebhookResponse {
  status: number;
  /** The Retry-After header as sent, if any. */
  retryAfter: string | null;
  /** The start of the body (at most `maxBody` bytes). */
  body: string;
}

export interface WebhookTransport {
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
    maxBody?: number,
  ): Promise<WebhookResponse>;
  close(): void;
}

export function webhookTransport(o: WebhookTransportOptions): WebhookTransport {
  const lookup = o.allowPrivate ? undefined : (guardedLookup as unknown as typeof dnsLookup);
  const common = {keepAlive: true, maxSockets: o.maxSockets ?? 64, lookup, scheduling: 'lifo' as const};
  const http = new HttpAgent(common);
  const https = new HttpsAgent({
    ...common,
    ca: o.ca ? [...rootCertificates, o.ca] : undefined,
    rejectUnauthorized: !o.insecureSkipTlsVerify,
  });
  return {
    post(url, body, headers, timeoutMs, maxBody = 1024) {
      const u = new URL(url);
      const secure = u.protocol === 'https:';
      // An IP literal never goes through lookup: check it here.
      const literal = u.hostname.replace(/^\[|\]$/g, '');
      if (!o.allowPrivate && isIP(literal) && isNonPublicAddress(literal)) {
        return Promise.reject(Object.assign(new TargetRefused(u.hostname, literal), {code: 'ETARGETREFUSED'}));
      }
      return new Promise<WebhookResponse>((resolve, reject) => {
        const req = (secure ? httpsRequest : httpRequest)(
          u,
          {
            method: 'POST',
            agent: secure ? https : http,
            headers: {...headers, 'content-length': Buffer.byteLength(body)},
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              if (size < maxBody) chunks.push(c);
              size += c.length;
            });
            res.on('end', () => {
              clearTimeout(timer);
              const ra = res.headers['retry-after'];
              resolve({
                status: res.statusCode ?? 0,
                retryAfter: typeof ra === 'string' ? ra : null,
                body: Buffer.concat(chunks).subarray(0, maxBody).toString('utf8'),
              });
            });
            res.on('error', (err) => {
              clearTimeout(timer);
              reject(err);
            });
          },
        );
        // headers and body leave in one segment each, without waiting for the peer's delayed ACK
        req.on('socket', (sock) => sock.setNoDelay(true));
        const timer = setTimeout(() => {
          req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), {code: 'ETIMEDOUT'}));
        }, timeoutMs);
        req.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        req.end(body);
      });
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}
