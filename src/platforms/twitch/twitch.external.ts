/**
 * Wire shapes as tmi.js 1.8.5 hands them over. Read only by `map.ts` and `adapter.ts`.
 *
 * tmi.js transforms IRCv3 tags before emitting: `"1"` → `true`, `"0"` → `false`, an empty
 * value → `null`, other strings unescaped; `badges`/`badge-info` become objects
 * (`{ moderator: "1" }`), `bits` stays a string. So every field is read defensively here:
 * a user id of `"1"` arrives as `true`, an empty display name as `null`.
 */
export type TmiTagValue = unknown;

export interface TmiUserstate {
  id?: TmiTagValue;
  'user-id'?: TmiTagValue;
  username?: TmiTagValue;
  'display-name'?: TmiTagValue;
  badges?: TmiTagValue;
  mod?: TmiTagValue;
  subscriber?: TmiTagValue;
  vip?: TmiTagValue;
  'first-msg'?: TmiTagValue;
  'tmi-sent-ts'?: TmiTagValue;
  bits?: TmiTagValue;
  'message-type'?: TmiTagValue;
  [tag: string]: unknown;
}

/** The `raw_message` event's parsed line: tags still raw (escaped) strings or `true`. */
export interface TmiRawMessage {
  raw?: string;
  tags?: Record<string, string | true>;
  prefix?: string | null;
  command?: string | null;
  params?: string[];
}
