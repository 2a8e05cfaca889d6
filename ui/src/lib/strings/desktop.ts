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
  err_outbox: [
    'Aduan yang disimpan di komputer ini tidak dapat dibaca atau diubah. Cuba lagi; jika berterusan, hubungi pentadbir.',
    'The complaints saved on this computer could not be read or changed. Try again; if it keeps happening, call the administrator.',
  ],
  err_keyring: [
    'Log masuk yang disimpan di komputer ini tidak dapat dibaca. Sila log masuk semula; jika berulang, hubungi pentadbir.',
    'The sign-in saved on this computer could not be read. Please sign in again; if this keeps happening, call the administrator.',
  ],
  err_file: [
    'Fail tidak dapat dibaca dari komputer ini. Pastikan fail masih wujud dan tidak dibuka dalam program lain, kemudian cuba lagi.',
    'A file could not be read from this computer. Check that it still exists and is not open in another program, then try again.',
  ],
  outbox_remove_failed: ['Aduan itu tidak dibuang. {reason}', 'That complaint was not removed. {reason}'],
  outbox_send_failed: ['Aduan yang disimpan tidak dapat dihantar. {reason}', 'The saved complaints could not be sent. {reason}'],
  outbox_rejected: [
    'Tidak dihantar — pelayan menolaknya: {reason} Untuk menghantarnya, masukkan aduan ini semula sebagai aduan baharu, kemudian buang salinan ini.',
    'Not sent — the server refused it: {reason} To send it, enter the complaint again as a new one, then remove this copy.',
  ],
} satisfies Record<string, [string, string]>;
