/**
 * scripts/convert-chat.ts as a user runs it (a Node process through tsx): formats, output,
 * exit codes. The converters themselves are tested in test/unit/convert-chat.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { convertTwitchIrc } from '../../src/replay/convert-twitch.js';
import { convertYtDlpLiveChat } from '../../src/replay/convert-youtube.js';
import { formatReplayLine, parseReplay } from '../../src/replay/format.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/chat/${name}`, import.meta.url), 'utf8');

describe.concurrent('scripts/convert-chat.ts (the CLI)', () => {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'convert-chat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/convert-chat.ts', ...args], { cwd: new URL('../..', import.meta.url).pathname }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('auto-detects the format and writes a replay that parses back to the converter output', async () => {
    const out = join(dir, 'yt.jsonl');
    const r = await cli('test/fixtures/chat/yt-dlp.live_chat.json', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('yt-dlp: 10 messages over 21.6 s, 3 non-chat items skipped, 0 problems');
    const written = readFileSync(out, 'utf8');
    expect(parseReplay(written)).toEqual({ lines: convertYtDlpLiveChat(fixture('yt-dlp.live_chat.json')).lines, errors: [] });
  });

  it('writes to stdout with --from twitch-irc, one formatted line per message', async () => {
    const r = await cli('test/fixtures/chat/twitch-irc.txt', '--from', 'twitch-irc');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(convertTwitchIrc(fixture('twitch-irc.txt')).lines.map(formatReplayLine).join('\n') + '\n');
  });

  it('--from youtube-json picks the right YouTube format', async () => {
    const r = await cli('test/fixtures/chat/chat-downloader.json', '--from', 'youtube-json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('chat-downloader: 8 messages');
  });

  it('exits 2 naming the supported formats when it cannot tell the format', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'just some notes\n');
    const r = await cli(f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Twitch IRC log.*yt-dlp.*chat-downloader/s);
  });

  it('exits 1 and lists the problems when no message could be converted', async () => {
    const f = join(dir, 'broken.log');
    writeFileSync(f, ':a!a@a.tmi.twitch.tv PRIVMSG #c :no time here\n');
    const r = await cli(f, '--from', 'twitch-irc');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:1: no time for this message`);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on an unknown --from', async () => {
    const r = await cli('test/fixtures/chat/twitch-irc.txt', '--from', 'kick');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from must be one of');
  });
});
