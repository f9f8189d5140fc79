#!/usr/bin/env node
/**
 * The `tessera` command line: `tessera demo` trains the quick-start model; `tessera help` lists
 * commands.
 */
import { runDemo } from './demo.js';

const USAGE = `usage: tessera <command>

commands:
  demo     train a small network on the embedded 8x8 digits and print test accuracy
  help     show this message`;

async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  switch (cmd) {
    case 'demo':
      await runDemo();
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`tessera: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
