import type { Command } from '../command.js';

/** Every `optout-hub` command by name. A new command is one file and one line here. */
export const commands: Record<string, Command> = {};
