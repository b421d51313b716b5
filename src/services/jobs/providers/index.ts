/**
 * Every kind of job, registered by importing its module once. A new kind (backfill, webhook
 * delivery …) adds its provider file beside these and one import line here.
 */
import './connect-tasks.js';
import './reconcile.js';
import './gdpr.js';
import './dlq-replay.js';
import './batch.js';
import './tune-experiment.js';
import './backfill.js';
import './webhook-serve.js';
