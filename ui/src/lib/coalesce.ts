/**
 * Run `f` at most once per `ms` for a burst of triggers: the first trigger schedules it,
 * later ones in the window ride along. Unlike a debounce, a steady stream of events
 * (a load test, a provider outage) cannot postpone it forever.
 */
export function coalesce(f: () => void, ms: number): { trigger: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    trigger() {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        f();
      }, ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
