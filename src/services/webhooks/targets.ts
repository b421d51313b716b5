import {readFileSync} from 'node:fs';
import {
  isNonPublicAddress,
  resolveAddresses,
  type WebhookTransport,
  webhookTransport,
} from '../../clients/webhook-http.js';
import {isLocalContext} from '../../config/audit-mode.js';
import {resolveSecretString} from '../../config/secrets.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';

/**
 * Where webhooks may go. A URL is http(s), carries no credentials, and — unless the context allows
 * private targets (webhooks.allowPrivateTargets; by default only local contexts do) — its host
 * resolves to public addresses only: checked when a subscription is saved, and again by the
 * transport at every connection (server-side request forgery protection).
 */

export function privateTargetsAllowed(ctx: RunContext): boolean {
  return ctx.config.webhooks?.allowPrivateTargets ?? isLocalContext(ctx.config);
}

export async function validateTargetUrl(ctx: RunContext, text: string): Promise<string> {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`invalid webhook URL "${text}"`, {hint: 'Give an absolute http:// or https:// URL.'});
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new UsageError(`webhook URL scheme ${u.protocol} is not allowed`, {hint: 'Use https:// (or http://).'});
  }
  if (u.username || u.password) {
    throw new UsageError('a webhook URL must not carry credentials', {
      hint: 'Send them as a header instead: --header "Authorization=${env:RECEIVER_TOKEN}".',
    });
  }
  if (u.hash) throw new UsageError('a webhook URL must not have a #fragment');
  if (!privateTargetsAllowed(ctx)) {
    let addresses: string[];
    try {
      addresses = await resolveAddresses(u.hostname);
    } catch (err) {
      throw new UsageError(
        `cannot resolve the webhook host ${u.hostname}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
    const bad = addresses.filter(isNonPublicAddress);
    if (bad.length > 0 || addresses.length === 0) {
      throw new UsageError(
        `webhook host ${u.hostname} resolves to a non-public address (${bad.join(', ') || 'none'}): refused in context "${ctx.contextName}"`,
        {
          hint: 'Private and loopback receivers are allowed only where the context says so: webhooks: {allowPrivateTargets: true}.',
        },
      );
    }
  }
  return u.toString();
}

/** The transport of a run: the context's receiver TLS settings and private-target rule. */
export function transportFor(ctx: RunContext, maxSockets?: number): WebhookTransport {
  const tls = ctx.config.webhooks?.tls;
  let ca: string | undefined;
  if (tls?.ca) {
    const path = resolveSecretString(tls.ca, `contexts.${ctx.contextName}.webhooks.tls.ca`);
    try {
      ca = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the receivers' CA bundle ${path} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  return webhookTransport({
    allowPrivate: privateTargetsAllowed(ctx),
    ca,
    insecureSkipTlsVerify: tls?.insecureSkipTlsVerify,
    maxSockets,
  });
}
