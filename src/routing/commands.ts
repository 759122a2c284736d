/**
 * `!` chat commands, pure: which text is a command at all, which ones flow on as a normal
 * comment (a viewer's `!forgetme`, for viewer memory), and how a moderator's
 * `!<name> <command> [args]` reads. No I/O.
 */

/** Viewer commands that flow on to the comments queue like a comment (handled downstream). */
export const VIEWER_COMMANDS: readonly string[] = ['!forgetme'];

/** Text that starts with `!` (after spaces): a chat command, never answered by the character. */
export function isBangCommand(text: string): boolean {
  return text.trimStart().startsWith('!');
}

/** A `!` command that is not a viewer command: nobody answers it (other bots' commands, `!song`, …). */
export function isIgnoredCommand(text: string): boolean {
  if (!isBangCommand(text)) return false;
  const first = text.trim().split(/\s+/, 1)[0]!.toLowerCase();
  return !VIEWER_COMMANDS.includes(first);
}

/** The names a moderator may address the bot by: the ASCII ones among the logins and aliases, lower case. */
export function commandNames(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => /^[a-z0-9_]{2,40}$/.test(n)))];
}

export interface ChatCommand {
  /** The name it addressed (`botan`). */
  name: string;
  /** The command word, lower case (`pause`); empty for a bare `!botan`. */
  verb: string;
  /** The words after it, as typed (without `global`). */
  args: string[];
  /** The text after the command word (and after `global`), spaces kept: for `context <text>`. */
  rest: string;
  /** `global` was given: the broadcaster's change for every channel. */
  global: boolean;
}

/**
 * `!botan mode fast`, `!botan pause global`, `!BOTAN context global 雑談配信`: the command
 * addressed to one of `names` (from commandNames), else undefined. `global` is the word right
 * after the command, or (except for `context`, whose text is free) its last word.
 */
export function parseChatCommand(text: string, names: readonly string[]): ChatCommand | undefined {
  const t = text.trim();
  const m = /^!(\S+)(?:\s+(\S+))?(?:\s+([\s\S]*))?$/u.exec(t);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  if (!names.includes(name)) return undefined;
  const verb = (m[2] ?? '').toLowerCase();
  let rest = (m[3] ?? '').trim();
  let global = false;
  const first = /^(\S+)(?:\s+([\s\S]*))?$/u.exec(rest);
  if (first && first[1]!.toLowerCase() === 'global') {
    global = true;
    rest = (first[2] ?? '').trim();
  }
  let args = rest === '' ? [] : rest.split(/\s+/u);
  if (!global && verb !== 'context' && args.length > 0 && args[args.length - 1]!.toLowerCase() === 'global') {
    global = true;
    args = args.slice(0, -1);
    rest = args.join(' ');
  }
  return { name, verb, args, rest, global };
}
