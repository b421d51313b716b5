import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {closestCommand, editDistance, globalFlagsAfterCommand} from '../../src/argv.js';

describe('global flags before the command (kubectl habit)', () => {
  it('moves them after the command, keeping everything else in order', () => {
    assert.deepEqual(globalFlagsAfterCommand(['--context', 'prod', 'connectors', 'list']), [
      'connectors',
      'list',
      '--context',
      'prod',
    ]);
    assert.deepEqual(globalFlagsAfterCommand(['--json', '--context=prod', 'connectors', 'list', 'a*']), [
      'connectors',
      'list',
      'a*',
      '--json',
      '--context=prod',
    ]);
    assert.deepEqual(globalFlagsAfterCommand(['--verbose', 'events', 'tail', 'x', '--', '--not-a-flag']), [
      'events',
      'tail',
      'x',
      '--verbose',
      '--',
      '--not-a-flag',
    ]);
  });

  it('leaves a command line that starts with the command, or with other flags, alone', () => {
    for (const argv of [
      ['connectors', 'list', '--context', 'prod'],
      ['--version'],
      ['--help'],
      ['-o', 'json', 'connectors', 'list'],
      [],
    ])
      assert.deepEqual(globalFlagsAfterCommand(argv), argv);
    assert.deepEqual(globalFlagsAfterCommand(['--context', 'prod']), [], 'only global flags: the root help');
  });
});

describe('the closest command to a typo', () => {
  const ids = ['connectors:list', 'connectors:status', 'pipeline:status', 'dlq:list', 'config:view'];
  it('suggests a near one, and nothing for a word far from every command', () => {
    assert.equal(closestCommand('conectors:list', ids), 'connectors:list');
    assert.equal(closestCommand('connectors:lst', ids), 'connectors:list');
    assert.equal(closestCommand('pipeline:stauts', ids), 'pipeline:status');
    assert.equal(closestCommand('foo', ids), undefined);
    assert.equal(closestCommand('kubectl:get', ids), undefined);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});
