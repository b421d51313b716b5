import {type HttpServiceKey, httpServices} from '../config/constants.js';
import {ConfigError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {ConnectClient} from './connect.js';
import {HttpClient} from './http.js';

/** The HTTP client for one of the context's REST services, or a clear error when it is not configured. */
export function httpClientFor(ctx: RunContext, key: HttpServiceKey, url?: string): HttpClient {
  const endpoint = ctx.config[key];
  if (!endpoint) {
    throw new ConfigError(`context "${ctx.contextName}" has no ${httpServices[key]} endpoint (${key}.url)`, {
      hint: `Add it with \`cdcctl config set-context ${ctx.contextName} --${flagName(key)}-url <url>\`.`,
    });
  }
  return new HttpClient({
    service: httpServices[key],
    endpoint: url === undefined ? endpoint : {...endpoint, url},
    keyPath: `contexts.${ctx.contextName}.${key}`,
    timeoutMs: ctx.timeoutMs ?? endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    trace: ctx.trace,
    userAgent: ctx.userAgent,
    origin: `contexts.${ctx.contextName}.${key}.url`,
  });
}

export function connectClient(ctx: RunContext): ConnectClient {
  return new ConnectClient(httpClientFor(ctx, 'connect'));
}

/**
 * A client for another worker of the same Connect cluster, by its worker id (the `host:port` of its
 * REST listener, as connector and task statuses name it): same scheme, auth, TLS and timeouts.
 */
export function connectWorkerClient(ctx: RunContext, workerId: string): ConnectClient {
  const {protocol} = httpClientFor(ctx, 'connect').baseUrl;
  return new ConnectClient(httpClientFor(ctx, 'connect', `${protocol}//${workerId}`));
}

function flagName(key: HttpServiceKey): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
