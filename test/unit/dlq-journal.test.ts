import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {OffsetMap} from '../../src/clients/kafka.js';
import {advanceCheckpoints, claimableStatuses, settleDelayMs, settleInDoubt} from '../../src/services/dlq/journal.js';
import type {DlqStatus} from '../../src/store/dlq-records.js';

/**
 * The journal of `dlq replay` without Kafka or PostgreSQL: claim (new → replaying), send, confirm
 * (replaying → replayed, checkpoint forward), and the resume of what a crash left in doubt.
 */

describe('dlq replay journal: what a run may claim', () => {
  it('claims new records, and replayed ones only with --force; never discarded or in-doubt ones', () => {
    assert.deepEqual(claimableStatuses(false), ['new']);
    assert.deepEqual(claimableStatuses(true).sort(), ['new', 'replayed']);
    for (const force of [false, true]) {
      const s = claimableStatuses(force);
      assert.ok(!s.includes('discarded') && !s.includes('replaying'), `force=${force}: ${s}`);
    }
  });
});

describe('dlq replay journal: checkpoints', () => {
  it('moves a partition checkpoint forward only, comparing offsets as integers (not text, not doubles)', () => {
    const cp: OffsetMap = {t: {0: '9'}};
    advanceCheckpoints(cp, [{topic: 't', partition: 0, baseOffset: '10'}]);
    assert.equal(cp.t?.[0], '10', '"10" > "9" as numbers, not as text');
    advanceCheckpoints(cp, [{topic: 't', partition: 0, baseOffset: '7'}]);
    assert.equal(cp.t?.[0], '10', 'an older acknowledgement never moves it back');
    const big: OffsetMap = {t: {0: '9007199254740992'}};
    advanceCheckpoints(big, [{topic: 't', partition: 0, baseOffset: '9007199254740993'}]);
    assert.equal(big.t?.[0], '9007199254740993', 'beyond 2^53, where doubles are equal');
  });

  it('starts a topic or partition new to the run at its first send, and ignores an unknown offset (-1)', () => {
    const cp: OffsetMap = {};
    advanceCheckpoints(cp, [
      {topic: 'a', partition: 2, baseOffset: '5'},
      {topic: 'b', partition: 0, baseOffset: '-1'},
      {topic: 'a', partition: 2, baseOffset: '3'},
      {topic: 'a', partition: 1, baseOffset: '0'},
    ]);
    assert.deepEqual(cp, {a: {2: '5', 1: '0'}, b: {}});
  });
});

describe('dlq replay journal: resume', () => {
  it('waits until settleMs after the run last made progress, not longer', () => {
    const at = '2026-12-01T00:00:00.000Z';
    const t = Date.parse(at);
    assert.equal(settleDelayMs(at, 5000, t + 1000), 4000);
    assert.equal(settleDelayMs(at, 5000, t + 5000), 0);
    assert.equal(settleDelayMs(at, 5000, t + 60_000), 0);
  });

  it('confirms the in-doubt records found in the topic and sends only the others, in journal order', () => {
    const doubt = ['1', '2', '3', '4', '5'].map((id) => ({id, srcTopic: 'orders'}));
    const r = settleInDoubt(doubt, new Set(['4', '2', '99']));
    assert.deepEqual(r.confirm, ['2', '4']);
    assert.deepEqual(
      r.resend.map((x) => x.id),
      ['1', '3', '5'],
    );
  });

  /**
   * A model of a run over the journal rules: batches are claimed, sent and confirmed; the process may
   * die after any of these at any batch; a resume settles what is in doubt from what reached the topic,
   * then carries on. Whatever the crash point, every selected record ends replayed and in the topic once.
   */
  it('replays every record exactly once whatever point a crash interrupts (model of claim, send, confirm, resume)', () => {
    const ids = Array.from({length: 10}, (_, i) => String(i + 1));
    const phases = ['claim', 'send', 'confirm'] as const;
    for (let batchSize = 1; batchSize <= 4; batchSize++)
      for (let crashBatch = 0; crashBatch * batchSize < ids.length; crashBatch++)
        for (const crashAfter of phases) {
          const status = new Map<string, DlqStatus>(ids.map((id) => [id, 'new']));
          const topic: Array<{id: string; offset: number}> = [];
          const cp: OffsetMap = {};
          const send = (batch: string[]) => {
            const base = topic.length;
            for (const id of batch) topic.push({id, offset: topic.length});
            return [{topic: 't', partition: 0, baseOffset: String(base)}];
          };
          const run = (crashAt?: {batch: number; after: (typeof phases)[number]}) => {
            for (let b = 0; ; b++) {
              const claimable = claimableStatuses(false);
              const batch = ids.filter((id) => claimable.includes(status.get(id) as DlqStatus)).slice(0, batchSize);
              if (!batch.length) return true;
              for (const id of batch) status.set(id, 'replaying');
              if (crashAt?.batch === b && crashAt.after === 'claim') return false;
              const sent = send(batch);
              if (crashAt?.batch === b && crashAt.after === 'send') return false;
              advanceCheckpoints(cp, sent);
              for (const id of batch) status.set(id, 'replayed');
              if (crashAt?.batch === b && crashAt.after === 'confirm') return false;
            }
          };
          const label = `batch ${batchSize}, crash after ${crashAfter} of batch ${crashBatch}`;
          assert.equal(run({batch: crashBatch, after: crashAfter}), false, label);
          // resume: what is in doubt, and which of it the topic holds after the checkpoint
          const doubt = ids.filter((id) => status.get(id) === 'replaying').map((id) => ({id}));
          const from = Number(cp.t?.[0] ?? -1);
          const inTopic = new Set(topic.filter((m) => m.offset > from || from < 0).map((m) => m.id));
          const {confirm, resend} = settleInDoubt(doubt, inTopic);
          for (const id of confirm) status.set(id, 'replayed');
          if (resend.length) advanceCheckpoints(cp, send(resend.map((r) => r.id)));
          for (const r of resend) status.set(r.id, 'replayed');
          assert.equal(run(), true, label);
          assert.ok(
            ids.every((id) => status.get(id) === 'replayed'),
            label,
          );
          assert.deepEqual(topic.map((m) => m.id).sort(), [...ids].sort(), `${label}: each record once in the topic`);
        }
  });
});
