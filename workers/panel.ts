// `npm run start:panel`: the moderators' web panel alone (no chat connection, no worker), on PANEL_PORT.
import { runProcess } from '../src/run.js';

await runProcess({ roles: [], panel: true });
