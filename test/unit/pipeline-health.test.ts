import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ExitCode} from '../../src/errors.js';
import {readAgentHealth, readServerHealth} from '../../src/services/pipeline/components.js';
import {verdictExitCode, verdictOf} from '../../src/services/pipeline/status.js';

describe('pipeline verdict', () => {
  it('is the worst problem, mapped to 0 / 3 / 4', () => {
    assert.equal(verdictOf([]), 'healthy');
    assert.equal(verdictOf([{severity: 'degraded', component: 'x', message: ''}]), 'degraded');
    assert.equal(
      verdictOf([
        {severity: 'degraded', component: 'x', message: ''},
        {severity: 'down', component: 'kafka', message: ''},
      ]),
      'down',
    );
    assert.equal(verdictExitCode('healthy'), ExitCode.ok);
    assert.equal(verdictExitCode('degraded'), ExitCode.notOk);
    assert.equal(verdictExitCode('down'), ExitCode.unreachable);
  });
});

describe('Debezium health answers', () => {
  it('reads Debezium Server (Quarkus SmallRye) health', () => {
    assert.deepEqual(readServerHealth(200, {status: 'UP', checks: [{name: 'debezium', status: 'UP'}]}), {
      status: 'up',
      detail: 'UP (debezium UP)',
      checks: [{name: 'debezium', status: 'UP'}],
    });
    assert.deepEqual(readServerHealth(200, {status: 'UP'}), {status: 'up', detail: 'UP'});
    assert.deepEqual(
      readServerHealth(503, {
        status: 'DOWN',
        checks: [
          {name: 'debezium', status: 'DOWN', data: {error: 'task failed'}},
          {name: 'kafka-sink', status: 'UP'},
        ],
      }),
      {
        status: 'down',
        detail: 'DOWN: debezium',
        checks: [
          {name: 'debezium', status: 'DOWN', data: {error: 'task failed'}},
          {name: 'kafka-sink', status: 'UP'},
        ],
      },
    );
  });

  it('reads the Cassandra agent health, whose message is a JSON string', () => {
    const healthy = {
      'cassandra-cdc-health-check': {
        healthy: true,
        message:
          '{"io.debezium.connector.cassandra.ProcessorGroup":true,"io.debezium.connector.cassandra.CassandraClient":true}',
      },
    };
    assert.deepEqual(readAgentHealth(200, healthy), {status: 'up', detail: 'healthy'});
    const sick = {
      'cassandra-cdc-health-check': {
        healthy: false,
        message:
          '{"io.debezium.connector.cassandra.ProcessorGroup":true,"io.debezium.connector.cassandra.CassandraClient":false}',
      },
    };
    assert.deepEqual(readAgentHealth(500, sick), {
      status: 'down',
      detail: 'unhealthy: cassandra-cdc-health-check, CassandraClient',
    });
  });
});
