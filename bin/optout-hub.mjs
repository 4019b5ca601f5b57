#!/usr/bin/env node
// `optout-hub …` / `npx optout-hub …`: the operator's command line, run from the JavaScript that
// cli/build.mjs made of cli/ at install time (npm's prepare script). Rebuilt first when missing
// (an install with --ignore-scripts) or older than a source (a checkout being worked on).
import { pathToFileURL } from 'node:url';
import { buildCli, entryFile, isStale } from '../cli/build.mjs';

if (isStale()) {
  try {
    await buildCli();
  } catch (error) {
    console.error(`optout-hub: the command line could not be built from cli/: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
await import(pathToFileURL(entryFile()).href);
