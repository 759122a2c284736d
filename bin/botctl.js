#!/usr/bin/env node
// botctl launcher. From a source checkout it runs src/cli/botctl.ts through tsx; in the
// Docker runtime image (no src/, compiled dist/) it runs the compiled file.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'botctl.ts');
let entry;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
} else {
  entry = join(root, 'dist', 'src', 'cli', 'botctl.js');
}
const { run } = await import(pathToFileURL(entry).href);
await run();
