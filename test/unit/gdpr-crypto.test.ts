import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import {renderCsv} from '../../src/output/compliance.js';
import type {ReportPayload} from '../../src/services/compliance/report.js';
import {signPayload, verifyDocument} from '../../src/services/compliance/sign.js';
import {cqlJson} from '../../src/services/gdpr/cassandra-store.js';
import {canonicalJson, parseAesKey, parseExact, pseudonymise, seal, unseal} from '../../src/services/gdpr/crypto.js';

describe('gdpr crypto and canonical forms', () => {
  it('round-trips exact numbers and canonicalises key order', () => {
    const v = parseExact('{"b":12345678901234567890,"a":[1.10,{"d":null,"c":"x"}]}');
    assert.equal(canonicalJson(v), '{"a":[1.10,{"c":"x","d":null}],"b":12345678901234567890}');
    assert.equal(cqlJson(v), '{"a":["1.10",{"c":"x","d":null}],"b":"12345678901234567890"}');
  });

  it('seals with AES-256-GCM bound to its request, and refuses tampering or another key', () => {
    const key = parseAesKey(randomBytes(32).toString('hex'), 'k');
    const s = seal(key, Buffer.from('secret rows'), 'req-1:backup');
    assert.equal(unseal(key, s, 'req-1:backup').toString(), 'secret rows');
    assert.throws(() => unseal(key, s, 'req-2:backup'), /wrong backup key or tampered/);
    const bad = {...s, ciphertext: Buffer.from(s.ciphertext)};
    bad.ciphertext[0] = (bad.ciphertext[0] ?? 0) ^ 1;
    assert.throws(() => unseal(key, bad, 'req-1:backup'));
    assert.throws(() => parseAesKey('short', 'gdpr.backupKey'), /32-byte key/);
  });

  it('pseudonymises deterministically per key', () => {
    assert.equal(pseudonymise('k'.repeat(16), 'alice'), pseudonymise('k'.repeat(16), 'alice'));
    assert.notEqual(pseudonymise('k'.repeat(16), 'alice'), pseudonymise('j'.repeat(16), 'alice'));
  });

  it('signs with HMAC and detects any change to the payload', () => {
    const s = {hmacKey: 'x'.repeat(32)};
    const doc = signPayload({n: 1, list: ['a']}, s, 'sig');
    assert.equal(verifyDocument(JSON.parse(JSON.stringify(doc)), s, 'sig').valid, true);
    const tampered = {...doc, payload: {n: 2, list: ['a']}};
    assert.equal(verifyDocument(tampered, s, 'sig').valid, false);
    assert.equal(verifyDocument(doc, {hmacKey: 'y'.repeat(32)}, 'sig').reason, 'signed with another key');
  });

  it('writes CSV with quoting and without spreadsheet formulas', () => {
    const p = {
      requests: [
        {
          requestId: '=HYPERLINK("x")',
          subjectPseudonym: 'ab',
          state: 'closed',
          receivedAt: 'r',
          deadlineAt: 'd',
          closedAt: null,
          systems: [{store: 'postgres', name: 'a,b', located: 1, deleted: 1}],
          verification: null,
          backup: null,
          failures: [],
          compensations: [],
        },
      ],
    } as unknown as ReportPayload;
    const line = renderCsv(p).split('\n')[1] ?? '';
    assert.ok(line.startsWith(`"'=HYPERLINK(""x"")"`), line);
    assert.ok(line.includes('"a,b"'));
  });
});
