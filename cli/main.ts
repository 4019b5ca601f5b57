import { UsageError } from './command.js';
import { commands } from './commands/index.js';

/** `optout-hub COMMAND [options]`: dispatches to cli/commands/, one clear sentence on failure. */

function help(): string {
  const width = Math.max(4, ...Object.keys(commands).map((name) => name.length));
  return [
    'usage: optout-hub COMMAND [options]',
    '',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    `  ${'help'.padEnd(width)}  this list; \`optout-hub help COMMAND\` for one command`,
  ].join('\n');
}

const [name, ...args] = process.argv.slice(2);
let code = 0;
if (!name || name === 'help' || name === '--help' || name === '-h') {
  const topic = name === 'help' ? args[0] : undefined;
  const command = topic && Object.hasOwn(commands, topic) ? commands[topic] : undefined;
  if (topic && !command) {
    console.error(`Unknown command "${topic}".\n\n${help()}`);
    code = 2;
  } else {
    console.log(command ? `${command.summary}\n\n${command.usage}` : help());
  }
} else if (!Object.hasOwn(commands, name)) {
  console.error(`Unknown command "${name}".\n\n${help()}`);
  code = 2;
} else if (args.includes('--help') || args.includes('-h')) {
  // `optout-hub COMMAND --help`, as most command lines answer it.
  const command = commands[name]!;
  console.log(`${command.summary}\n\n${command.usage}`);
} else {
  const command = commands[name]!;
  try {
    code = await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${command.usage}`);
      code = 2;
    } else {
      console.error(`optout-hub ${name}: ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
    }
  }
}
process.exit(code);
