/** Interface strings of the Cases screen: [Malay, English]. */
export const CASE_STRINGS = {
  nav_cases: ['Kes', 'Cases'],
} satisfies Record<string, [string, string]>;
