/**
 * The memory evaluation's scenes (test/fixtures/memory/scenes.yaml) through the real pipeline:
 * real Redis, the fake Twitch, the fake Ollama (test/helpers/memory-eval.ts). The whole set
 * takes over a minute here (joining one channel per scene is most of it), so this runs a fixed
 * subset covering every category; `npm run eval:memory` runs them all. Any must / must-not /
 * route / outcome item failing fails the test; a scene marked `knownDefect` must still fail
 * (when the defect is fixed, remove the mark).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, describeFailures, loadScenes, runEval, type EvalRun, type Scene } from '../helpers/memory-eval.js';

const SUBSET = [
  'fu-why-en', 'fu-why-ja', 'fu-depth-slow-ja', 'fu-depth-slow-en', 'fu-thread-cap-ja', 'fu-other-viewer-en', 'fu-budget-en', 'fu-why-twice-en',
  'rb-full-tags-en', 'rb-parent-id-ja', 'rb-thread-tags-en', 'rb-which-viewer-en', 'rb-reply-to-viewer-en', 'rb-depth-on-slow-en', 'rb-unkept-parent-en',
  'sc-game-en', 'sc-progress-ja', 'sc-change-en',
  'rv-cat-en', 'rv-osaka-ja', 'rv-other-viewer-en', 'rv-not-yet-returning-en',
  'ct-why-en', 'ct-why-ja', 'ct-facts-en',
  'po-basic-en', 'po-basic-ja', 'po-chat-ja', 'po-extract-fooled-en', 'po-subtle-en',
  'fi-blocked-word-en', 'fi-blocked-user-ja', 'fi-filtered-reply-en', 'fi-blocked-later-user-en',
  'ac-talking-en', 'ac-imakita-ja', 'ac-not-about-chat-en', 'ac-convo-en', 'ac-lines-cap-en',
  'pr-forgetme-en', 'pr-memory-off-ja', 'pr-forgetme-chat-en',
];

/** A scene whose expectations are wrong on purpose: the eval must report each of them. */
const SELF_CHECK: Scene = {
  id: 'self-check-wrong-expectations',
  category: 'follow-up',
  lang: 'en',
  about: 'the eval itself: a missing string, a leaked string and a wrong route are reported',
  steps: [
    { user: 'zed', text: 'Botan, what is your favourite tea?', answer: 'Jasmine tea, so fragrant!', expect: 'answered' },
    { user: 'zed', text: 'why?', expect: 'answered', check: { must: ['a string nobody ever said'], mustNot: ['Jasmine tea, so fragrant!'], route: 'slow' } },
  ],
  never: [],
};

const all = loadScenes();
const scenes = [...SUBSET.map((id) => all.find((s) => s.id === id) ?? (() => { throw new Error(`no scene ${id}`); })()), SELF_CHECK];
let run: EvalRun;

beforeAll(async () => {
  // no copypasta hold: every scene is one viewer or two, and the hold only delays long questions' answers by 2 s
  run = await runEval({ scenes, env: { COPYPASTA_WINDOW_S: '0' } });
}, 180_000);
afterAll(() => undefined);

describe('memory eval (subset of the scenes)', () => {
  it('the set has at least 60 scenes in Japanese and English, and the subset covers every category', () => {
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(all.some((s) => s.lang === 'ja') && all.some((s) => s.lang === 'en')).toBe(true);
    for (const c of CATEGORIES) expect(SUBSET.some((id) => all.find((s) => s.id === id)!.category === c), c).toBe(true);
  });

  it.each(SUBSET)('%s', (id) => {
    const r = run.results.find((x) => x.scene.id === id)!;
    expect(r, id).toBeDefined();
    if (r.scene.knownDefect) {
      // still failing for the recorded reason; when it passes, remove knownDefect from the scene
      expect(r.passed, `${id} passes now: remove its knownDefect mark`).toBe(false);
    } else {
      expect(describeFailures(r)).toEqual([]);
      expect(r.items.length).toBeGreaterThan(0);
    }
  });

  it('reports wrong expectations as failures (the checks can fail)', () => {
    const r = run.results.find((x) => x.scene.id === SELF_CHECK.id)!;
    expect(r.passed).toBe(false);
    expect(describeFailures(r)).toEqual(['step 2: missing "a string nobody ever said"', 'step 2: leaked "Jasmine tea, so fragrant!"', 'step 2: routed fast, expected slow']);
  });

  it('measures the prompt characters memory added per answer', () => {
    const fast = run.sizes.filter((s) => s.route === 'fast');
    expect(fast.length).toBeGreaterThan(SUBSET.length);
    expect(fast.some((s) => s.chars > 0)).toBe(true);
    // within the fast budget (800 for what comes from chat) plus the stream context (at most 500 + its label)
    expect(Math.max(...fast.map((s) => s.chars))).toBeLessThanOrEqual(800 + 600);
  });
});
