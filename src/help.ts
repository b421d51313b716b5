import {Help} from '@oclif/core';

/** oclif's help, with a "start here" at the end of the root help (`cdcctl` with no arguments). */
export default class CdcctlHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const bin = this.config.bin;
    const steps = [
      `${bin} config get-contexts (the pipelines you can reach)`,
      `${bin} pipeline status (is this one healthy?)`,
      ...(this.config.findCommand('doctor') ? [`${bin} doctor (what is wrong with the set-up)`] : []),
    ];
    this.log(`START HERE\n${steps.map((s) => `  ${s}`).join('\n')}\n`);
  }
}
