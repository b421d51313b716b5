import {createHash} from 'node:crypto';
import {PAYLOAD_VERSION} from './types.js';

/**
 * The body of every delivery: a versioned envelope (schemas/webhook-payload.v1.schema.json)
 *   {"type": "...", "version": 1, "timestamp": "<ISO-8601 UTC>", "data": {...}}
 * as the Standard Webhooks specification suggests (type, timestamp, data).
 */
export function payloadOf(type: string, data: unknown, at: Date = new Date()): string {
  return JSON.stringify({type, version: PAYLOAD_VERSION, timestamp: at.toISOString(), data});
}

/**
 * The webhook-id of a message: derived from the subscription and what the event is (a Kafka
 * position, a domain fact), so that a source re-reading after a crash produces the same id and the
 * queue keeps one message. `msg_` + 32 base64url characters.
 */
export function webhookIdOf(subscriptionId: string, eventKey: string): string {
  return `msg_${createHash('sha256').update(`${subscriptionId}|${eventKey}`).digest('base64url').slice(0, 32)}`;
}
