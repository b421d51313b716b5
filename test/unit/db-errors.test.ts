import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {cassandraError} from '../../src/clients/cassandra.js';
import {type PgTarget, pgError} from '../../src/clients/postgres.js';

/** The driver-error → exit-code rule of both database clients (what the servers answer, synthesised). */

const {errors} = driver;
const pgErr = (code: string, message: string) => Object.assign(new Error(message), {code, severity: 'FATAL'});
const target: PgTarget = {display: 'postgres://cdc@db:5432/app', where: 'contexts.prod.postgres', config: {}};

describe('pgError', () => {
  it('unknown database (3D000): exit 2, hint names the url setting', () => {
    const e = pgError(pgErr('3D000', 'database "app" does not exist'), target, 'opening the store');
    assert.deepEqual([e.exitCode, e.code], [2, 'PG_NO_DATABASE']);
    assert.match(e.hint ?? '', /contexts\.prod\.postgres\.url/);
  });
  it('authentication (28P01, 28000): exit 2, hint names the password / user setting', () => {
    const pw = pgError(pgErr('28P01', 'password authentication failed for user "cdc"'), target, 'x');
    assert.deepEqual([pw.exitCode, pw.code], [2, 'PG_AUTH']);
    assert.match(pw.hint ?? '', /contexts\.prod\.postgres\.password/);
    const role = pgError(pgErr('28000', 'role "nobody" does not exist'), target, 'x');
    assert.deepEqual([role.exitCode, role.code], [2, 'PG_AUTH']);
    assert.match(role.hint ?? '', /user in contexts\.prod\.postgres\.url/);
  });
  it('unreachable stays exit 4; other server errors keep their code', () => {
    assert.equal(
      pgError(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}), target, 'x').exitCode,
      4,
    );
    const other = pgError(pgErr('53300', 'too many connections'), target, 'x');
    assert.deepEqual([other.exitCode, other.code], [4, 'PG_53300']);
  });
});

describe('cassandraError', () => {
  it('authentication failure on every host (NoHostAvailableError of AuthenticationError): exit 2', () => {
    const err = new errors.NoHostAvailableError({
      '10.0.0.1:9042': new errors.AuthenticationError('Provided username cdc and/or password are incorrect'),
      '10.0.0.2:9042': new errors.AuthenticationError('Provided username cdc and/or password are incorrect'),
    });
    const e = cassandraError(err, '10.0.0.1:9042', 'connecting');
    assert.deepEqual([e.exitCode, e.code], [2, 'CASSANDRA_AUTH']);
    assert.match(e.message, /rejected the credentials while connecting: Provided username/);
    assert.match(e.hint ?? '', /cassandra\.username and cassandra\.password/);
    assert.equal(
      cassandraError(new errors.AuthenticationError('Authentication provider not set'), 'h', 'x').exitCode,
      2,
    );
  });
  it('unknown keyspace or table: exit 2 with the settings that name them', () => {
    const ks = cassandraError(new errors.ResponseError(0x2200, "Keyspace 'nope' does not exist"), 'h', 'connecting');
    assert.deepEqual([ks.exitCode, ks.code], [2, 'CASSANDRA_NO_KEYSPACE']);
    assert.match(ks.hint ?? '', /cassandra\.keyspace/);
    const t = cassandraError(new errors.ResponseError(0x2200, 'table nope does not exist'), 'h', 'reading');
    assert.deepEqual([t.exitCode, t.code], [2, 'CASSANDRA_NO_TABLE']);
  });
  it('no host reachable, or some hosts down and some refusing: still exit 4', () => {
    const down = new errors.NoHostAvailableError({
      'h:9042': Object.assign(new Error('connect ECONNREFUSED h:9042'), {code: 'ECONNREFUSED'}),
    });
    assert.deepEqual(
      [cassandraError(down, 'h', 'x').exitCode, cassandraError(down, 'h', 'x').code],
      [4, 'UNREACHABLE'],
    );
    const mixed = new errors.NoHostAvailableError({
      'a:9042': new errors.AuthenticationError('bad credentials'),
      'b:9042': new errors.OperationTimedOutError('timed out'),
    });
    assert.equal(cassandraError(mixed, 'a,b', 'x').exitCode, 4);
  });
});
