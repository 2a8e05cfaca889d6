/** Strings for what the desktop app adds: the outbox, notifications, and PDF previews. */
export const DESKTOP_STRINGS = {
  outbox_waiting: ['{n} menunggu dihantar', '{n} waiting to send'],
  outbox_title: ['Disimpan di komputer ini', 'Saved on this computer'],
  outbox_hint: [
    'Aduan ini akan dihantar secara automatik apabila pelayan boleh dihubungi semula.',
    'These complaints will be sent automatically when the server can be reached again.',
  ],
  outbox_send_now: ['Hantar sekarang', 'Send now'],
  outbox_files: ['Lampiran: {n}', 'Attachments: {n}'],
  outbox_sent: ['Dihantar: {refs}', 'Sent: {refs}'],
  queued_title: ['Aduan disimpan di komputer ini', 'Complaint saved on this computer'],
  queued_body: [
    'Pelayan tidak dapat dihubungi. Aduan anda disimpan di komputer ini dan akan dihantar secara automatik. Nombor rujukan akan dipaparkan selepas ia dihantar.',
    'The server cannot be reached. Your complaint is saved on this computer and will be sent automatically. The reference number appears once it has been sent.',
  ],
  server_url_hint_desktop: [
    'Alamat yang diberikan oleh pentadbir anda, contohnya https://aduan.example.gov.my.',
    'The address your administrator gave you, e.g. https://aduan.example.gov.my.',
  ],
  notify_on: ['Pemberitahuan dihidupkan', 'Notifications on'],
  notify_off: ['Pemberitahuan dimatikan', 'Notifications off'],
  pdf_page: ['Halaman {n} daripada {total}', 'Page {n} of {total}'],
  pdf_prev: ['Halaman sebelumnya', 'Previous page'],
  pdf_next: ['Halaman seterusnya', 'Next page'],
  pdf_failed: ['PDF ini tidak dapat dipaparkan; muat turun untuk membukanya.', 'This PDF cannot be shown; download it to open it.'],
} satisfies Record<string, [string, string]>;
