import {CdcError, ExitCode, UsageError} from '../errors.js';

/**
 * Questions on a terminal, through `@inquirer/prompts` (loaded only when a question is asked). The
 * prompt is drawn on stderr, so stdout stays the command's data. Ctrl-C and Ctrl-D at a prompt are an
 * interruption: a CdcError with exit 130, thrown before anything was changed.
 */

/** A terminal to ask on: both the keyboard (stdin) and the screen the prompt is drawn on (stderr). */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Yes or no (default no). */
export async function askYesNo(question: string): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts');
  return ask('the confirmation prompt', (context) => confirm({message: question, default: false}, context));
}

/** One of `choices` (a list to move through with the arrow keys, or type to jump). */
export async function askChoice(message: string, choices: string[]): Promise<string> {
  const {select} = await import('@inquirer/prompts');
  return ask('the prompt', (context) =>
    select({message, choices: choices.map((value) => ({value})), pageSize: 15, loop: false}, context),
  );
}

type PromptContext = {input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal};

/**
 * Runs one prompt. Inquirer reports Ctrl-C itself (ExitPromptError); Ctrl-D closes its line reader
 * without settling the question, so the key is watched here and aborts the prompt.
 */
async function ask<T>(where: string, prompt: (context: PromptContext) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onData = (chunk: Buffer | string) => {
    if (String(chunk).includes('\u0004')) controller.abort();
  };
  process.stdin.on('data', onData);
  try {
    return await prompt({input: process.stdin, output: process.stderr, signal: controller.signal});
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError') {
      throw new CdcError('INTERRUPTED', ExitCode.interrupted, `interrupted at ${where}: nothing was changed`, {
        cause: err,
      });
    }
    throw err;
  } finally {
    process.stdin.off('data', onData);
    // inquirer leaves stdin flowing: let the process end when the command does
    process.stdin.pause();
  }
}

/** What a missing argument is chosen from when it is omitted on a terminal. */
export type PickKind = 'connector' | 'subject' | 'context';

/** The usage error for a missing argument, worded as oclif words it (one line). */
export function missingArg(name: string): UsageError {
  return new UsageError(`Missing 1 required arg: ${name}`, {hint: 'See --help for usage.'});
}
