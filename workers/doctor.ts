// `npm run doctor`: a checklist of everything a live stream needs; exit 0 only when nothing fails.
import { formatChecks } from '../src/checks.js';
import { loadDotEnv, parseConfig } from '../src/config.js';
import { runDoctor } from '../src/doctor.js';
import { createLogger } from '../src/log.js';

loadDotEnv();
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stdout.write(`✗ Configuration: ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}\n${parsed.errors.map((e) => `    ${e}\n`).join('')}    See .env.example and docs/configuration.md\n`);
  process.exit(1);
}
const results = await runDoctor(parsed.config, createLogger({ level: 'silent' }));
const failed = results.filter((r) => r.status === 'fail').length;
const warned = results.filter((r) => r.status === 'warn').length;
process.stdout.write(`${formatChecks([{ name: 'Configuration', status: 'pass', detail: 'valid', fix: [] }, ...results])}\n\n`);
process.stdout.write(failed ? `${failed} of ${results.length + 1} checks failed: fix the lines marked ✗ and run npm run doctor again\n` : `Ready to go live${warned ? ` (${warned} note${warned === 1 ? '' : 's'} marked !)` : ''}\n`);
process.exit(failed ? 1 : 0);
