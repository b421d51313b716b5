import {renderChangeList} from '../output/changes.js';
import type {ApplyResult, BeforeWrite} from '../services/connectors/apply.js';

/**
 * The one confirm-and-write step of the commands that write connector configs (`connectors apply`,
 * `connectors edit`, `connectors rollback`): the service validates and diffs everything first and
 * calls this hook right before its first write (never on a dry run, never when nothing changes). The
 * hook shows the changes on stderr and asks `question(plan)` — no question, no prompt; a "no" or an
 * interruption throws, and nothing is written. `confirm` is the command's (BaseCommand.confirm:
 * --yes, no terminal → refusal, Ctrl-C → exit 130).
 */
export function confirmBeforeWrite(
  confirm: (question: string) => Promise<void>,
  question: (plan: ApplyResult[]) => string | undefined,
  options: {showChanges?: boolean} = {},
): BeforeWrite {
  return async (plan) => {
    const q = question(plan);
    if (q === undefined) return;
    if (options.showChanges !== false) {
      for (const r of plan) {
        if (plan.length > 1) process.stderr.write(`${r.name} (${r.action}):\n`);
        process.stderr.write(renderChangeList(r.changes));
      }
    }
    await confirm(q);
  };
}
