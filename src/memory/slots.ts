/**
 * The fast model's slots as this process uses them: answers take a slot for their model call;
 * background work (fact extraction) runs only while a slot is free, and is aborted the moment
 * an answer needs that slot, so an answer never waits for it.
 */
export interface SlotGate {
  /** An answer's model call starts; returns the function that ends it. */
  enter(): () => void;
  /**
   * Background work: a signal that aborts as soon as answers fill every slot, or undefined
   * when no slot is free now (try later).
   */
  background(): { signal: AbortSignal; done: () => void } | undefined;
  readonly inFlight: number;
}

export function createSlotGate(capacity: number): SlotGate {
  let answers = 0;
  let bg: AbortController | undefined;
  return {
    enter() {
      answers++;
      // the background call holds the last free slot: give it back to the answer
      if (bg && answers + 1 > capacity) bg.abort(new Error('preempted by an answer'));
      let left = false;
      return () => {
        if (!left) answers--;
        left = true;
      };
    },
    background() {
      if (bg || answers + 1 > capacity) return undefined;
      const c = new AbortController();
      bg = c;
      return {
        signal: c.signal,
        done: () => {
          if (bg === c) bg = undefined;
        },
      };
    },
    get inFlight() {
      return answers;
    },
  };
}
