#!/usr/bin/env node
// npx openpta: load the TypeScript entry with Node 24's type stripping.
import { run } from '../src/main.ts';

await run(process.argv);
