import {Flags} from '@oclif/core';
import {UsageError} from '../../errors.js';
import type {SubscriptionInput} from '../../services/webhooks/subscriptions.js';
import {integerFlag} from './common.js';

/** What `webhooks add` and `webhooks update` share: the fields of a subscription. */
export const subscriptionFlags = {
  url: Flags.string({summary: 'Receiver URL (https://, or http://; no credentials in it).'}),
  events: Flags.string({
    summary: 'Event types, comma-separated: change, reconcile.drift_found, gdpr.*, alert.firing, * …',
    multiple: true,
  }),
  topic: Flags.string({summary: 'Kafka topic of the change events (repeatable).', multiple: true}),
  op: Flags.string({summary: 'Change ops to deliver, comma-separated: c,u,d,r,t.'}),
  filter: Flags.string({
    summary: 'Filter on change events, as `events tail --filter` (e.g. after.status == "shipped").',
  }),
  'secret-ref': Flags.string({
    summary: 'Signing secret: a reference (${env:NAME}, ${file:/path}, ${vault:…}) or "generated" (shown once).',
  }),
  header: Flags.string({
    summary: 'Extra header k=v (repeatable); the value may be a secret reference.',
    multiple: true,
  }),
  rate: integerFlag({summary: 'At most N deliveries per second for this subscription (per serve process).', min: 1}),
  ordered: Flags.boolean({summary: 'Deliver in order per key: one in flight per key.', allowNo: true}),
  'disable-after': integerFlag({
    summary: 'Disable after N consecutive failed attempts (default 20).',
    min: 1,
    max: 100_000,
  }),
};

export function subscriptionInput(
  flags: {
    url?: string;
    events?: string[];
    topic?: string[];
    op?: string;
    filter?: string;
    'secret-ref'?: string;
    header?: string[];
    rate?: number;
    ordered?: boolean;
    'disable-after'?: number;
  },
  timeoutMs: number | undefined,
): SubscriptionInput {
  let headers: Record<string, string> | undefined;
  if (flags.header) {
    headers = {};
    for (const h of flags.header) {
      const i = h.indexOf('=');
      if (i <= 0) throw new UsageError(`--header ${h}: expected name=value`);
      headers[h.slice(0, i).trim()] = h.slice(i + 1);
    }
  }
  return {
    url: flags.url,
    events: flags.events
      ?.flatMap((e) => e.split(','))
      .map((e) => e.trim())
      .filter(Boolean),
    topics: flags.topic,
    ops: flags.op
      ?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    filter: flags.filter,
    secret: flags['secret-ref'],
    headers,
    ratePerSec: flags.rate,
    timeoutMs,
    ordered: flags.ordered,
    disableAfter: flags['disable-after'],
  };
}
