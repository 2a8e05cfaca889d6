/** The intake draft lives outside the screen, so navigating away never loses it. */
import type { ComplaintAccepted } from './gen/ComplaintAccepted';
import type { Queued } from './desktop';
import { emptyDraft, newIdempotencyKey, type Attachment } from './intake';

export const intake = $state({
  draft: emptyDraft(),
  files: [] as Attachment[],
  /** One key per draft: a retry after a lost reply returns the first result, not a duplicate. */
  key: newIdempotencyKey(),
  accepted: null as ComplaintAccepted | null,
  /** Set when the server was away and the desktop app kept the complaint in its outbox. */
  queued: null as Queued | null,
});

export function resetIntake(): void {
  intake.draft = emptyDraft();
  intake.files = [];
  intake.key = newIdempotencyKey();
  intake.accepted = null;
  intake.queued = null;
}
