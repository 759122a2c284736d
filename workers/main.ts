// `npm start`: gateway, fast worker and slow worker in one process.
import { runProcess } from '../src/run.js';

await runProcess({ roles: ['gateway', 'fast', 'slow'] });
