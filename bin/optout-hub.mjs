#!/usr/bin/env node
// `optout-hub …` / `npx optout-hub …`: the operator's command line (cli/main.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
