#!/usr/bin/env node
// npx openpta: load the TypeScript entry with Node 24's type stripping.
import '../src/main.ts';
