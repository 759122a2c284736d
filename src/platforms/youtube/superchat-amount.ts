/**
 * Super chat amounts as YouTube displays them ("¥500", "$5.00", "€2,00", "CA$10.00",
 * "₩1,000", "CHF 5.00", "5,00 €") to a number and an ISO 4217 code. Pure.
 */

/** Symbols and prefixes YouTube shows, longest first where one is a suffix of another. */
const SYMBOLS: ReadonlyArray<[string, string]> = [
  ['CA$', 'CAD'],
  ['A$', 'AUD'],
  ['NZ$', 'NZD'],
  ['HK$', 'HKD'],
  ['NT$', 'TWD'],
  ['MX$', 'MXN'],
  ['US$', 'USD'],
  ['R$', 'BRL'],
  ['S$', 'SGD'],
  ['CN¥', 'CNY'],
  ['$', 'USD'],
  ['¥', 'JPY'],
  ['￥', 'JPY'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['₩', 'KRW'],
  ['₹', 'INR'],
  ['₱', 'PHP'],
  ['₪', 'ILS'],
  ['₫', 'VND'],
  ['₺', 'TRY'],
  ['₽', 'RUB'],
  ['₴', 'UAH'],
  ['zł', 'PLN'],
  ['Kč', 'CZK'],
  ['kr', 'SEK'],
];

export interface ParsedAmount {
  amount: number;
  /** ISO 4217 code; "XXX" (ISO's "no currency") when the symbol is unknown. */
  currency: string;
  display: string;
}

/** Parse a number written with either "." or "," as the decimal mark. */
export function parseLocalisedNumber(raw: string): number | undefined {
  const s = raw.replace(/[\s\u00a0\u202f']/g, '');
  if (!/^\d[\d.,]*$/.test(s)) return undefined;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normalised: string;
  if (lastDot >= 0 && lastComma >= 0) {
    // Both present: the later one is the decimal mark.
    const dec = lastDot > lastComma ? '.' : ',';
    const group = dec === '.' ? ',' : '.';
    normalised = s.split(group).join('').replace(dec, '.');
  } else if (lastComma >= 0 || lastDot >= 0) {
    const mark = lastComma >= 0 ? ',' : '.';
    const pieces = s.split(mark);
    const tail = pieces[pieces.length - 1] ?? '';
    // "1,000" / "1.000.000": groups of three are thousands; "2,00" / "5.5": decimals.
    const grouped = tail.length === 3 && pieces.slice(1).every((p) => p.length === 3);
    normalised = grouped ? pieces.join('') : pieces.length === 2 ? `${pieces[0]}.${tail}` : '';
  } else {
    normalised = s;
  }
  const n = Number(normalised);
  return normalised !== '' && Number.isFinite(n) ? n : undefined;
}

export function parseSuperChatAmount(display: string): ParsedAmount | undefined {
  const text = display.trim();
  const m = /^([^\d]*?)\s*(\d[\d.,\s\u00a0\u202f']*\d|\d)\s*([^\d]*)$/u.exec(text);
  if (!m) return undefined;
  const [, before = '', digits = '', after = ''] = m;
  const amount = parseLocalisedNumber(digits);
  if (amount === undefined) return undefined;
  const mark = (before.trim() || after.trim()).replace(/\s+/g, '');
  let currency = 'XXX';
  if (/^[A-Z]{3}$/.test(mark)) currency = mark;
  else {
    const hit = SYMBOLS.find(([sym]) => sym === mark);
    if (hit) currency = hit[1];
  }
  return { amount, currency, display: text.slice(0, 64) };
}
