/** Saving what the server sends as a file on the user's disk. */

/** Offer `blob` as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  // The click starts the download asynchronously: keep the URL alive for it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name a `Content-Disposition: attachment; filename="…"` header gives, if any. */
export function fileName(disposition: string | null): string | null {
  const m = disposition?.match(/filename="([^"]+)"/);
  return m?.[1] ?? null;
}

/** Save a response's body under the name the server gave it (else `fallback`). */
export async function saveResponse(r: Response, fallback: string): Promise<void> {
  saveBlob(await r.blob(), fileName(r.headers.get('content-disposition')) ?? fallback);
}
