// OBS browser source: shows the comment being answered and the character's answer when it is
// posted, then fades. Query parameters: size (px), font, color, bg, accent, width (px), hold (s),
// token. Text is set with textContent only.
const q = new URLSearchParams(location.search);
const css = (name, value) => document.documentElement.style.setProperty(name, value);
const color = (v, d) => (v && /^(#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\([\d\s.,%]+\))$/i.test(v) ? v : d);
css('--size', `${Math.min(200, Math.max(8, Number(q.get('size')) || 32))}px`);
css('--width', `${Math.min(4000, Math.max(200, Number(q.get('width')) || 1200))}px`);
css('--font', (q.get('font') ?? 'system-ui').replace(/[^\p{L}\p{N} ,'"-]/gu, ''));
css('--color', color(q.get('color'), '#ffffff'));
css('--bg', color(q.get('bg'), 'rgba(0,0,0,.55)'));
css('--accent', color(q.get('accent'), '#ff80ab'));
const holdMs = Math.min(120, Math.max(2, Number(q.get('hold')) || 12)) * 1000;

const box = document.getElementById('box');
let timer;
const source = new EventSource(`/overlay/stream?token=${encodeURIComponent(q.get('token') ?? '')}`);
source.addEventListener('answer', (m) => {
  const a = JSON.parse(m.data);
  document.getElementById('user').textContent = a.user ? `${a.user}` : '';
  document.getElementById('comment-text').textContent = a.comment ?? '';
  document.getElementById('answer').textContent = a.answer ?? '';
  box.classList.add('show');
  clearTimeout(timer);
  timer = setTimeout(() => box.classList.remove('show'), holdMs);
});
