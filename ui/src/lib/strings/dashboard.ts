/** Interface strings of the Dashboard: [Malay, English]. */
export const DASHBOARD_STRINGS = {
  dash_title: ['Papan pemuka', 'Dashboard'],
} satisfies Record<string, [string, string]>;
