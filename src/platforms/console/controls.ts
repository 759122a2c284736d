/**
 * Console chat reads the moderators' live controls (a `botctl set` reaches a running console
 * within a second), with two differences for trying the character: no per-viewer cooldown
 * and no approval hold, unless set for the console channel itself (`routing:console:local`).
 */
import type { Controls, ControlSnapshot } from '../../controls/types.js';

export function consoleSnapshot(s: ControlSnapshot): ControlSnapshot {
  const settings = { ...s.settings };
  if (s.sources.user_cooldown_s !== 'channel') settings.user_cooldown_s = 0;
  if (s.sources.approval !== 'channel') settings.approval = false;
  return { ...s, settings };
}

export function consoleControls(base: Controls): Controls {
  return {
    get: async (platform, channel) => {
      const snap = await base.get(platform, channel);
      return platform === 'console' ? consoleSnapshot(snap) : snap;
    },
    close: () => base.close(),
  };
}
