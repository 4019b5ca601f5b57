import type { Command } from '../command.js';
import { apiKeysCommand } from './api-keys.js';
import { importCommand } from './import.js';
import { registryCommand } from './registry.js';
import { replayDlq } from './replay-dlq.js';
import { scrub } from './scrub.js';
import { slaCommand } from './sla.js';
import { traceCommand } from './trace.js';
import { unsubscribeHeadersCommand } from './unsubscribe-headers.js';

/** Every `optout-hub` command by name. A new command is one file and one line here. */
export const commands: Record<string, Command> = {
  'api-keys': apiKeysCommand,
  import: importCommand,
  registry: registryCommand,
  'replay-dlq': replayDlq,
  scrub,
  sla: slaCommand,
  trace: traceCommand,
  'unsubscribe-headers': unsubscribeHeadersCommand,
};
