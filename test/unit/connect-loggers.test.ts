import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loggersReached} from '../../src/services/connectors/plugins.js';

/** `connectors loggers set --dry-run` predicts the loggers a change reaches by Kafka Connect's own rule. */

describe('loggersReached (Kafka Connect: the logger and every logger whose name starts with it)', () => {
  const all = {
    root: {level: 'INFO'},
    'io.debezium': {level: 'WARN'},
    'io.debezium.connector.jdbc.JdbcSinkTask': {level: 'INFO'},
    'io.debezium.connectorx': {level: 'ERROR'},
    'org.apache.kafka': {level: 'INFO'},
  };
  it('a namespace reaches its children by plain prefix, and itself (inheriting) when not listed yet', () => {
    assert.deepEqual(loggersReached(all, 'io.debezium.connector'), [
      {logger: 'io.debezium.connector', current: 'WARN'},
      {logger: 'io.debezium.connector.jdbc.JdbcSinkTask', current: 'INFO'},
      {logger: 'io.debezium.connectorx', current: 'ERROR'},
    ]);
  });
  it('root reaches every logger; an unknown name with no listed ancestor has root’s level', () => {
    assert.equal(loggersReached(all, 'root').length, 5);
    assert.deepEqual(loggersReached(all, 'com.example'), [{logger: 'com.example', current: 'INFO'}]);
  });
});
