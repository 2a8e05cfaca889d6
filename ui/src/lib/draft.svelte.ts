/** The intake draft lives outside the screen, so navigating away never loses it. */
import type { ComplaintAccepted } from './gen/ComplaintAccepted';
import { emptyDraft, newIdempotencyKey } from './intake';

export const intake = $state({
  draft: emptyDraft(),
  files: [] as File[],
  /** One key per draft: a retry after a lost reply returns the first result, not a duplicate. */
  key: newIdempotencyKey(),
  accepted: null as ComplaintAccepted | null,
});

export function resetIntake(): void {
  intake.draft = emptyDraft();
  intake.files = [];
  intake.key = newIdempotencyKey();
  intake.accepted = null;
}
