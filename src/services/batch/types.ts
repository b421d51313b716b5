import type {BatchState, ItemState} from '../../store/batch.js';

/** The public types of `cdcctl batch`: options, and the result of a run or a resume. */

export interface BatchOptions {
  /** Items in flight at once, across steps. */
  concurrency: number;
  /** Go on after a failed item: every item runs, and steps run even when a step they depend on had failures. */
  continueOnError: boolean;
  dryRun: boolean;
}

export interface BatchItemView {
  step: string;
  item: number;
  label: string;
  state: ItemState | 'would-run';
  attempts: number;
  /** What this attempt did (dry run: what it would do). */
  action?: string;
  result: unknown;
  error: string | null;
}

export interface BatchStepView {
  id: string;
  op: string;
  dependsOn: string[];
  counts: Record<ItemState, number>;
}

export interface BatchResult {
  batchId: string;
  dryRun: boolean;
  /** Dry run: 'dry-run'. */
  state: BatchState | 'dry-run';
  /** This invocation resumed an earlier run. */
  resumed: boolean;
  source: string | null;
  steps: BatchStepView[];
  items: BatchItemView[];
  counts: Record<ItemState, number>;
  /** Items this invocation ran (a resume leaves the succeeded ones alone). */
  ran: number;
  durationMs: number;
}
