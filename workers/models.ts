// `npm run models [-- <model> ...]`: pull FAST_MODEL and SLOW_MODEL (or the models named) through
// Ollama, with a progress bar each; the disk space is checked first. Exit 0 when all are there.
import { loadConfigOrExit } from '../src/config.js';
import { configuredModels, pullModels } from '../src/llm/pull-models.js';

const config = loadConfigOrExit();
const named = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const models = named.length ? named.map((model) => ({ host: config.fastHost, model })) : configuredModels(config);
const ok = await pullModels(models, { out: process.stdout });
process.exit(ok ? 0 : 1);
