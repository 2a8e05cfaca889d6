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
  server_url_insecure: [
    'Alamat ini menggunakan http:// biasa ke komputer lain: kata laluan dan butiran pengadu akan dihantar tanpa penyulitan (teks biasa) dan boleh dibaca oleh sesiapa di rangkaian. Gunakan alamat https://. http:// dibenarkan hanya untuk komputer ini sendiri (localhost, 127.0.0.1).',
    'This address uses plain http:// to another computer: passwords and complainants’ details would cross the network unencrypted (clear text), readable by anyone on it. Use the https:// address. http:// is allowed only for this computer itself (localhost, 127.0.0.1).',
  ],
  err_insecure_server: [
    'Aduan tidak log masuk ke alamat http:// biasa di komputer lain: kata laluan dan butiran pengadu akan dihantar sebagai teks biasa. Gunakan alamat https:// pelayan (di bawah "Lanjutan"), atau minta pentadbir anda.',
    'Aduan does not sign in to a plain http:// address on another computer: passwords and complainants’ details would travel as clear text. Use the server’s https:// address (under "Advanced"), or ask your administrator for it.',
  ],
  err_invalid_server: [
    'Alamat pelayan tidak sah. Masukkan alamat penuh, contohnya https://aduan.example.gov.my.',
    'The server address is not valid. Enter the full address, e.g. https://aduan.example.gov.my.',
  ],
  err_unknown_file: [
    'Fail itu tidak dipilih dalam sesi ini. Pilih fail semula dengan butang "Pilih fail…" atau seret ke borang.',
    'That file was not chosen in this session. Choose it again with "Choose files…" or drop it on the form.',
  ],
  outbox_legacy: [
    'Versi lama aplikasi ini meninggalkan aduan yang belum dihantar di komputer ini ({path}). Ia tidak dipaparkan atau dihantar kerana tidak diketahui siapa yang memasukkannya. Minta pentadbir memeriksanya.',
    'An older version of this app left unsent complaints on this computer ({path}). They are not shown or sent, because it is not known who entered them. Ask an administrator to inspect them.',
  ],
  server_url_managed: [
    'Ditetapkan oleh pentadbir untuk komputer ini. Tukar hanya jika diminta.',
    'Set by your administrator for this computer. Change it only if asked to.',
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
  update_available: ['Kemas kini tersedia: {version}', 'Update available: {version}'],
  update_current: ['Anda menggunakan versi {version}.', 'You have version {version}.'],
  update_notes: ['Apa yang baharu', "What's new"],
  update_install: ['Pasang', 'Install'],
  update_later: ['Kemudian', 'Later'],
  update_downloading: ['Memuat turun versi {version}…', 'Downloading version {version}…'],
  update_installed: [
    'Versi {version} telah dipasang. Mulakan semula Aduan untuk menggunakannya.',
    'Version {version} is installed. Restart Aduan to use it.',
  ],
  update_restart: ['Mulakan semula sekarang', 'Restart now'],
  update_not_packaged: [
    'Versi {version} telah dimuat turun dan tandatangannya disemak, tetapi salinan Aduan ini tidak dipasang daripada pakej, jadi ia tidak boleh menggantikan dirinya sendiri. Minta pentadbir anda memasang versi {version}.',
    'Version {version} was downloaded and its signature checked, but this copy of Aduan was not installed from a package, so it cannot replace itself. Ask your administrator to install version {version}.',
  ],
  update_refused: [
    'Kemas kini ke versi {version} ditolak: tandatangannya tidak sepadan dengan penerbit aplikasi ini. Tiada apa-apa yang dipasang. Maklumkan kepada pentadbir anda.',
    "The update to version {version} was refused: its signature does not match this app's publisher. Nothing was installed. Tell your administrator.",
  ],
  update_failed: ['Kemas kini tidak dapat dipasang. {reason}', 'The update could not be installed. {reason}'],
  update_retry: ['Cuba lagi', 'Try again'],
  err_update_install: [
    'Pemasang tidak dapat diselesaikan, atau kebenaran pentadbir tidak diberi. Cuba lagi; jika berterusan, hubungi pentadbir.',
    "The installer could not finish, or the administrator's permission was not given. Try again; if it keeps happening, call the administrator.",
  ],
} satisfies Record<string, [string, string]>;
