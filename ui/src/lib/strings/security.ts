/** Interface strings of two-factor sign-in: [Malay, English]. */
export const SECURITY_STRINGS = {
  tf_title: ['Pengesahan dua langkah', 'Two-step verification'],
  tf_code: ['Kod pengesahan', 'Verification code'],
  tf_code_hint: [
    'Kod 6 digit daripada aplikasi pengesah anda, atau salah satu kod pemulihan.',
    'The 6-digit code from your authenticator app, or one of your recovery codes.',
  ],
  tf_verify: ['Sahkan', 'Verify'],
  tf_back: ['Kembali', 'Back'],
  tf_setup_title: ['Sediakan aplikasi pengesah', 'Set up an authenticator app'],
  tf_setup_required: [
    'Peranan anda mesti log masuk dengan aplikasi pengesah. Sediakannya sekarang untuk meneruskan.',
    'Your role signs in with an authenticator app. Set one up now to continue.',
  ],
  tf_setup_steps: [
    'Imbas kod QR ini dengan aplikasi pengesah (contohnya Google Authenticator, Microsoft Authenticator atau FreeOTP), kemudian masukkan kod yang dipaparkannya.',
    'Scan this QR code with an authenticator app (for example Google Authenticator, Microsoft Authenticator or FreeOTP), then enter the code it shows.',
  ],
  tf_qr_label: ['Kod QR untuk aplikasi pengesah', 'QR code for the authenticator app'],
  tf_secret: ['Tidak boleh imbas? Taip kunci ini:', 'Cannot scan? Type this key:'],
  tf_codes_title: ['Simpan kod pemulihan anda', 'Save your recovery codes'],
  tf_codes_note: [
    'Setiap kod boleh digunakan sekali jika telefon anda hilang. Simpan di tempat selamat; kod ini tidak akan dipaparkan lagi.',
    'Each code signs you in once if you lose your phone. Keep them somewhere safe: they are not shown again.',
  ],
  tf_codes_saved: ['Saya telah menyimpannya', 'I have saved them'],
  tf_menu: ['Pengesahan dua langkah', 'Two-step verification'],
  tf_enabled: ['Aplikasi pengesah telah disediakan untuk akaun ini.', 'An authenticator app is set up for this account.'],
  tf_enabled_reset: ['Jika telefon anda hilang, minta pentadbir menetapkannya semula.', 'If you lose your phone, ask an admin to reset it.'],
  tf_start: ['Sediakan', 'Set up'],
  tf_done: ['Pengesahan dua langkah telah diaktifkan.', 'Two-step verification is on.'],
  err_code: [
    'Kod itu tidak betul. Gunakan kod semasa daripada aplikasi, atau kod pemulihan.',
    'That code is not right. Use the app\'s current code, or a recovery code.',
  ],
  err_challenge_expired: [
    'Log masuk ini telah tamat tempoh. Sila log masuk semula.',
    'This sign-in has expired. Please sign in again.',
  ],
  // admin
  adm_2fa: ['2 langkah', '2-step'],
  adm_2fa_on: ['Aktif', 'On'],
  adm_2fa_off: ['Tiada', 'Off'],
  adm_2fa_reset: ['Tetapkan semula 2 langkah', 'Reset 2-step'],
  adm_2fa_reset_confirm: [
    'Buang aplikasi pengesah dan kod pemulihan {name}? Log masuk seterusnya akan meminta persediaan semula jika perannya memerlukannya.',
    'Remove the authenticator app and recovery codes of {name}? Their next sign-in sets one up again if their role requires it.',
  ],
  adm_2fa_reset_done: ['Pengesahan dua langkah {name} telah ditetapkan semula.', 'Two-step verification of {name} was reset.'],
  adm_policy: ['Wajibkan pengesahan dua langkah untuk', 'Require two-step verification for'],
  adm_policy_saved: ['Dasar log masuk disimpan.', 'Sign-in policy saved.'],
} satisfies Record<string, [string, string]>;
