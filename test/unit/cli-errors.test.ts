import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseErrorLine, toCdcError} from '../../src/cli/base-command.js';
import {ExitCode, UsageError} from '../../src/errors.js';

/** oclif's parse errors become one line that still says what was wrong (not just the heading). */
describe('parse errors → one-line usage errors', () => {
  it('keeps the reason of a failed flag parse', () => {
    const msg =
      'Parsing --limit \n\tExpected an integer greater than or equal to 1 but received: -5\nSee more help with --help';
    assert.equal(parseErrorLine(msg), '--limit: Expected an integer greater than or equal to 1 but received: -5');
    const err = Object.assign(new Error(msg), {oclif: {exit: 2}});
    const cdc = toCdcError(err);
    assert.equal(cdc.exitCode, ExitCode.usage);
    assert.equal(cdc.message, '--limit: Expected an integer greater than or equal to 1 but received: -5');
  });

  it('keeps the reasons of a failed flag validation (missing required flags)', () => {
    const msg =
      'The following errors occurred:\n  \u001b[2mMissing required flag file\n  Missing required flag subject\u001b[22m\nSee more help with --help';
    assert.equal(parseErrorLine(msg), 'Missing required flag file; Missing required flag subject');
  });

  it('names the missing arguments', () => {
    const msg = 'Missing 1 required arg:\nname  Context to switch to\nSee more help with --help';
    assert.equal(parseErrorLine(msg), 'Missing 1 required arg: name');
  });

  it('flattens a cdcctl error that oclif rewrote while parsing a flag', () => {
    const err = new UsageError('invalid duration "banana"', {hint: 'Use e.g. 500ms, 30s, 2m or 1h.'});
    err.message = `Parsing --duration \n\t${err.message}\nSee more help with --help`;
    const cdc = toCdcError(err);
    assert.equal(cdc.message, '--duration: invalid duration "banana"');
    assert.equal(cdc.hint, 'Use e.g. 500ms, 30s, 2m or 1h.');
  });
});

describe('errors nothing mapped', () => {
  it('a PostgreSQL connection cut by a restart is "unreachable" (exit 4) with a hint, not a bug', () => {
    const cut = Object.assign(new Error('the database system is shutting down'), {code: '57P03', severity: 'FATAL'});
    const cdc = toCdcError(cut);
    assert.equal(cdc.code, 'PG_UNAVAILABLE');
    assert.equal(cdc.exitCode, 4);
    assert.match(cdc.message, /^PostgreSQL went away: the database system is shutting down$/);
    assert.match(cdc.hint ?? '', /run the command again/);
    assert.equal(toCdcError(new TypeError('x is undefined')).code, 'INTERNAL');
  });
});
