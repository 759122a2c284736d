import { describe, expect, it } from 'vitest';
import { commandNames, isIgnoredCommand, parseChatCommand } from '../../src/routing/commands.js';

const NAMES = commandNames(['牡丹', 'ぼたん', 'Botan', 'botan', 'botan_bot', 'ボタン']);

describe('chat commands: names', () => {
  it('keeps the ASCII logins and aliases, lower case, once each', () => {
    expect(NAMES).toEqual(['botan', 'botan_bot']);
  });
});

describe('parseChatCommand', () => {
  it.each([
    ['!botan pause', { name: 'botan', verb: 'pause', args: [], rest: '', global: false }],
    ['  !BOTAN   Mode   FAST  ', { name: 'botan', verb: 'mode', args: ['FAST'], rest: 'FAST', global: false }],
    ['!botan_bot cooldown 10', { name: 'botan_bot', verb: 'cooldown', args: ['10'], rest: '10', global: false }],
    ['!botan pause global', { name: 'botan', verb: 'pause', args: [], rest: '', global: true }],
    ['!botan mode slow global', { name: 'botan', verb: 'mode', args: ['slow'], rest: 'slow', global: true }],
    ['!botan global pause', { name: 'botan', verb: 'global', args: ['pause'], rest: 'pause', global: false }],
    ['!botan mode global fast', { name: 'botan', verb: 'mode', args: ['fast'], rest: 'fast', global: true }],
    ['!botan context 雑談配信、マイクラ建築中 🏰', { name: 'botan', verb: 'context', args: ['雑談配信、マイクラ建築中', '🏰'], rest: '雑談配信、マイクラ建築中 🏰', global: false }],
    // free text may end in "global": it stays text; `global` goes right after `context`
    ['!botan context talking about global warming global', { verb: 'context', rest: 'talking about global warming global', global: false }],
    ['!botan context global Minecraft night', { verb: 'context', rest: 'Minecraft night', global: true }],
    ['!botan', { name: 'botan', verb: '', args: [], global: false }],
    ['!botan block @Some_Troll', { verb: 'block', args: ['@Some_Troll'] }],
  ])('%j', (text, expected) => {
    expect(parseChatCommand(text, NAMES)).toMatchObject(expected);
  });

  it.each(['!song', '!ぼたん pause', '!forgetme', 'botan pause', '!botanx pause', 'hello !botan pause', '', '!'])('%j is not a command for the bot', (text) => {
    expect(parseChatCommand(text, NAMES)).toBeUndefined();
  });
});

describe('isIgnoredCommand: what intake never answers', () => {
  it.each([
    ['!song', true],
    ['   !uptime', true],
    ['!botan pause', true],
    ['!ForgetMe', false],
    ['!forgetme please', false],
    ['!forgetmenot', true],
    ['what is !important in CSS?', false],
    ['ぼたん、元気？', false],
  ])('%j → %s', (text, ignored) => {
    expect(isIgnoredCommand(text)).toBe(ignored);
  });
});
