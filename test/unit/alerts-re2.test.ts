import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {RunContext} from '../../src/runtime.js';
import {buildSilence, buildTestAlert} from '../../src/services/alerts/alerts.js';
import {parseMatcher, parseMatchers, silenceMatcherMatchesEmpty} from '../../src/services/alerts/matchers.js';
import {checkRe2, Re2SyntaxError} from '../../src/services/alerts/re2.js';
import {RE2_CORPUS} from './re2-corpus.js';

const ctx = {actor: 'me@host', contextName: 'test', config: {}} as unknown as RunContext;

describe('RE2 syntax as Alertmanager compiles it', () => {
  it('agrees with Alertmanager on every regex of the corpus (compiles? matches the empty string?)', () => {
    const wrong: string[] = [];
    for (const [pattern, verdict] of RE2_CORPUS) {
      let got: string;
      try {
        got = checkRe2(pattern).matchesEmpty ? 'matches-empty' : 'non-empty';
      } catch (err) {
        if (!(err instanceof Re2SyntaxError)) throw err;
        got = 'invalid';
      }
      if (got !== verdict) wrong.push(`${JSON.stringify(pattern)}: ${got}, Alertmanager: ${verdict}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(RE2_CORPUS.filter(([, v]) => v === 'invalid').length > 40);
  });

  it('parses matchers with RE2 flags and refuses JavaScript-only syntax', () => {
    assert.deepEqual(parseMatcher('alertname=~"(?i)connector.*"'), {
      name: 'alertname',
      value: '(?i)connector.*',
      isRegex: true,
      isEqual: true,
    });
    assert.throws(() => parseMatcher('a=~"(?=x)"'), /invalid or unsupported Perl syntax/);
    assert.throws(() => parseMatcher('a=~"(x)\\\\1"'), /invalid escape sequence/);
  });

  it("counts matchers that match the empty string as Alertmanager's silence check does", () => {
    const m = (t: string) => silenceMatcherMatchesEmpty(parseMatcher(t));
    assert.equal(m('a=""'), true);
    assert.equal(m('a=x'), false);
    assert.equal(m('a=~".*"'), true);
    assert.equal(m('a=~".+"'), false);
    assert.equal(m('a=~"(?i)x|"'), true);
    // the server never counts a negative matcher, whatever it matches
    for (const t of ['a!=x', 'a!=""', 'a!~".+"', 'a!~".*"']) assert.equal(m(t), false, t);
  });
});

describe('dry runs refuse what Alertmanager refuses', () => {
  it('a silence whose every matcher matches the empty string', () => {
    const silence = (args: string[]) => buildSilence(ctx, {matchers: parseMatchers(args), comment: 'why'});
    assert.throws(() => silence(['alertname=~".*"']), /every matcher of the silence matches the empty string/);
    assert.throws(() => silence(['b=""', 'c=~"(?i)x*"']), /matches the empty string/);
    assert.equal(silence(['a!=x', 'b=""']).matchers.length, 2, 'a negative matcher is enough for Alertmanager');
    assert.throws(
      () =>
        buildSilence(ctx, {matchers: [{name: 'bad-name', value: 'x', isRegex: false, isEqual: true}], comment: 'x'}),
      /invalid label name "bad-name"/,
    );
  });

  it('a test alert with an invalid label or annotation name, or no label with a value', () => {
    assert.throws(() => buildTestAlert(ctx, {labels: {'a.b': 'x'}}), /invalid label name "a\.b"/);
    assert.throws(() => buildTestAlert(ctx, {labels: {'1x': 'x'}}), /invalid label name/);
    assert.throws(() => buildTestAlert(ctx, {name: '', severity: '', labels: {source: ''}}), /no label with a value/);
    assert.throws(() => buildTestAlert(ctx, {durationMs: 0}), /end after it starts/);
    assert.equal(buildTestAlert(ctx, {labels: {team: 'cdc'}}).labels.team, 'cdc');
  });
});
