/**
 * One human line for a console comment that got no answer, from its event in
 * `<prefix>:events` (type skip, drop or filtered, with the handler's reason).
 */
const SKIP: Record<string, string> = {
  paused: 'the bot is paused (mode off)',
  not_trigger: 'it does not address the character by name or ask a question (the trigger setting)',
  cooldown: 'this viewer was answered moments ago (user_cooldown_s)',
  superseded: 'the same viewer asked again; only the latest question is answered',
  blocked_user: 'this viewer is on the blocked list',
  blocked_word: 'it contains a blocked word',
  abuse: 'this viewer is ignored for a while after repeated filter hits',
  empty: 'there is nothing to answer in it',
  command: 'it looks like a chat command (starts with !)',
  stale: 'it waited too long before a worker got to it (fast_max_age_s)',
  overflow_drop: 'the slow model is busy and overflow is set to drop',
  duplicate_text: 'the same text was asked moments ago (DEDUP_WINDOW_S)',
  shed: 'the queue was too full; low-priority comments were shed',
  late: 'the answer was ready too late to post',
  empty_answer: 'the model answered with nothing left to post',
  deleted_by_moderator: 'a moderator deleted it',
  author_removed_by_moderator: 'a moderator removed its author',
  chat_cleared_by_moderator: 'a moderator cleared the chat',
  approval_on: 'replies wait for a moderator (approval on)',
  shutdown: 'the bot was shutting down',
};

const FILTER: Record<string, string> = {
  slur: 'a slur',
  secret: 'something that looks like a secret',
  prompt_leak: 'the character instructions',
  reasoning: 'the model\'s reasoning',
  command: 'a chat command',
  blocked_word: 'a blocked word',
  empty: 'nothing',
};

export function consoleReason(ev: { type?: string; reason?: string }): string | undefined {
  const reason = ev.reason ?? '';
  if (ev.type === 'filtered') return `not answered: the answer was held back because it contained ${FILTER[reason] ?? reason}`;
  if (ev.type !== 'skip' && ev.type !== 'drop') return undefined;
  if (reason.startsWith('failed:')) return `not answered: the model call failed (${reason.slice(7)}); see the log`;
  return `not answered: ${SKIP[reason] ?? reason.replaceAll('_', ' ')}`;
}
