import {type Hook, toConfiguredId} from '@oclif/core';
import {closestCommand} from '../argv.js';

/**
 * An unknown command: one line that names it and, when a command is close, suggests it — in a
 * terminal or not (cron logs and CI need the hint most) — and exit 127. It never runs the
 * suggestion: a typo must not become a command nobody typed.
 */
const hook: Hook<'command_not_found'> = async (opts) => {
  const {config} = opts;
  const ids = config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const suggestion = closestCommand(opts.id, ids);
  const topic = opts.id.split(':')[0] ?? '';
  const help = `${config.bin} help${config.findTopic(topic) ? ` ${topic}` : ''}`;
  const lines = [
    `Error: ${toConfiguredId(opts.id, config)} is not a ${config.bin} command.${
      suggestion ? ` Did you mean ${config.bin} ${toConfiguredId(suggestion, config)}?` : ''
    }`,
    `Hint: Run ${help} for a list of commands.`,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = 127;
};

export default hook;
