// Runs the slow part alone (compose and multi-host setups scale each part separately).
import { runProcess } from '../src/run.js';

await runProcess({ roles: ['slow'] });
