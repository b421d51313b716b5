import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {renderRequest} from '../../src/output/gdpr.js';
import type {RequestView} from '../../src/services/gdpr/types.js';

const view = (evidence: Record<string, unknown>): RequestView => ({
  requestId: 'DSR-1',
  context: 'local',
  subjectPseudonym: 'ab'.repeat(32),
  state: 'verified',
  onFailure: 'restore',
  reason: null,
  receivedAt: '2026-12-07T00:00:00Z',
  deadlineAt: '2027-01-06T00:00:00Z',
  updatedAt: '2026-12-07T00:00:01Z',
  closedAt: null,
  actor: 'op',
  toolVersion: '0.1.0',
  configHash: 'x',
  host: 'h',
  deleteTimestampUs: '1',
  restoreTimestampUs: null,
  lastError: null,
  systems: [],
  backup: null,
  evidence,
  journal: [],
});

describe('gdpr request output', () => {
  it('warns when Cassandra nodes were down at the delete, and only then', () => {
    const text = renderRequest(view({cassandraNodesDown: ['127.0.0.3']}));
    assert.match(text, /Warning: +Cassandra node\(s\) 127\.0\.0\.3 were down at the delete/);
    assert.match(text, /cdcctl gdpr verify DSR-1 --consistency ALL/);
    assert.doesNotMatch(renderRequest(view({})), /Warning/);
  });
});
