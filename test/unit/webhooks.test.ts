import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {isNonPublicAddress} from '../../src/clients/webhook-http.js';
import {backoffMs, retryAfterMs} from '../../src/services/webhooks/deliver.js';
import {alertEvents} from '../../src/services/webhooks/domain-events.js';
import {payloadOf, webhookIdOf} from '../../src/services/webhooks/payload.js';
import {generateSecret, secretKey, sign, verify} from '../../src/services/webhooks/signing.js';
import {EVENT_TYPES, selects} from '../../src/services/webhooks/types.js';
import {repoRoot} from '../helpers.js';

describe('webhook signing (Standard Webhooks)', () => {
  // The test vector published with the specification's reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const ts = 1614265330;
  const body = '{"test": 2432232314}';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

  it('signs the published vector', () => {
    assert.equal(sign(secretKey(secret), id, ts, body), expected);
  });

  it('verifies: any of several signatures, within the tolerance, and nothing tampered', () => {
    const h = {'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,bm9wZQ== ${expected}`};
    assert.equal(verify(h, body, secret, {now: ts * 1000}).valid, true);
    assert.equal(verify(h, `${body} `, secret, {now: ts * 1000}).problem, 'no-matching-signature');
    assert.equal(verify(h, body, secret, {now: (ts + 301) * 1000}).problem, 'too-old');
    assert.equal(verify(h, body, secret, {now: (ts - 301) * 1000}).problem, 'too-new');
    assert.equal(verify({...h, 'webhook-id': 'msg_other'}, body, secret, {now: ts * 1000}).valid, false);
    assert.equal(verify({'webhook-id': id}, body, secret).problem, 'missing-headers');
    assert.equal(
      verify({...h, 'webhook-signature': expected.replace('v1', 'v2')}, body, secret, {now: ts * 1000}).valid,
      false,
    );
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(secretKey(a).length, 32);
    assert.notEqual(a, generateSecret());
    assert.throws(() => secretKey('short'), /at least 24/);
    assert.throws(() => secretKey('whsec_AAAA'), /24 to 64 bytes/);
  });
});

describe('webhook delivery rules', () => {
  it('backs off exponentially with jitter in [½, 1] of the ceiling, capped', () => {
    const p = {baseMs: 1000, maxMs: 8000, maxAttempts: 10};
    assert.equal(
      backoffMs(1, p, () => 0),
      500,
    );
    assert.equal(
      backoffMs(1, p, () => 1),
      1000,
    );
    assert.equal(
      backoffMs(3, p, () => 1),
      4000,
    );
    assert.equal(
      backoffMs(3, p, () => 0),
      2000,
    );
    assert.equal(
      backoffMs(10, p, () => 1),
      8000,
    );
    for (let a = 1; a < 40; a++) {
      const v = backoffMs(a, p);
      assert.ok(v >= Math.min(8000, 1000 * 2 ** (a - 1)) / 2 && v <= 8000);
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(retryAfterMs('999999'), 3_600_000, 'capped at an hour');
  });

  it('knows which addresses are not public', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ]) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1'])
      assert.equal(isNonPublicAddress(a), false, a);
  });

  it('selects event types by name, family and *', () => {
    assert.ok(selects(['reconcile.*'], 'reconcile.drift_found'));
    assert.ok(!selects(['reconcile.*'], 'gdpr.erasure_failed'));
    assert.ok(selects(['*'], 'change'));
    assert.ok(selects(['change'], 'change'));
    assert.ok(!selects(['alert.firing'], 'alert.resolved'));
  });

  it('derives one webhook-id per subscription and event', () => {
    assert.equal(webhookIdOf('1', 't:0:5'), webhookIdOf('1', 't:0:5'));
    assert.notEqual(webhookIdOf('1', 't:0:5'), webhookIdOf('2', 't:0:5'));
    assert.match(webhookIdOf('1', 'x'), /^msg_[A-Za-z0-9_-]{32}$/);
  });

  it('turns an Alertmanager notification into one event per alert, and refuses other shapes', () => {
    const evs = alertEvents({
      version: '4',
      status: 'firing',
      alerts: [
        {status: 'firing', labels: {alertname: 'A'}, startsAt: '2026-01-01T00:00:00Z', fingerprint: 'f1'},
        {
          status: 'resolved',
          labels: {alertname: 'B'},
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '2026-01-01T00:05:00Z',
        },
      ],
    });
    assert.deepEqual(
      evs.map((e) => e.type),
      ['alert.firing', 'alert.resolved'],
    );
    assert.equal(evs[0]?.data.alertname, 'A');
    assert.throws(() => alertEvents({alerts: [{status: 'weird', labels: {}, startsAt: 'x'}]}));
    assert.throws(() => alertEvents('<html>'));
  });
});

describe('webhook payload schema', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'webhook-payload.v1.schema.json'), 'utf8')) as {
    properties: {type: {enum: string[]}};
    required: string[];
  };

  it('names every event type cdcctl sends, and the envelope payloadOf writes', () => {
    assert.deepEqual([...schema.properties.type.enum].sort(), [...EVENT_TYPES].sort());
    const p = JSON.parse(payloadOf('dlq.growth', {connector: 'x', records: 5, grew: 5, threshold: 1}));
    assert.deepEqual(Object.keys(p).sort(), [...schema.required].sort());
    assert.equal(p.version, 1);
  });
});
