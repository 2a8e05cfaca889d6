/** App-wide reactive state: the session, language, route and connection. */
import type { User } from './gen/User';
import { translate, type Key, type Lang } from './i18n';
import type { ConnState } from './events';

const LANG_KEY = 'aduan.lang';

export const app = $state({
  user: null as User | null,
  lang: (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'ms') as Lang,
  conn: 'offline' as ConnState,
  /**
   * Why the sign-in screen is showing: the error that ended the session (a 401) or
   * stopped a saved one from being resumed; null after a plain logout.
   */
  notice: null as unknown,
});

/** The interface string for `key` in the current language (reactive in templates). */
export function t(key: Key, params?: Record<string, string | number>): string {
  return translate(app.lang, key, params);
}

export function setLang(lang: Lang): void {
  app.lang = lang;
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

export type Screen = 'intake' | 'complaints' | 'cases' | 'dashboard' | 'admin';

/** Screens with a second path part: a complaint or case id, or an admin section. */
const WITH_ID: Screen[] = ['complaints', 'cases', 'dashboard', 'admin'];

/** Hash routes: `#/intake`, `#/complaints/<id>`, `#/cases/<id>`, `#/dashboard`, `#/admin/<section>`. */
export function parseRoute(hash: string): { screen: Screen; id: string | null } {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const screen = WITH_ID.find((s) => s === parts[0]);
  if (screen) return { screen, id: parts[1] || null };
  return { screen: 'intake', id: null };
}

/** Which screens a role may open (the server enforces the same on every route). */
export function screensFor(role: User['role'] | undefined): Screen[] {
  if (role === 'admin') return ['intake', 'complaints', 'cases', 'dashboard', 'admin'];
  if (role === 'officer') return ['intake', 'complaints', 'cases', 'dashboard'];
  return ['intake', 'complaints'];
}

export const route = $state(parseRoute(location.hash));

window.addEventListener('hashchange', () => Object.assign(route, parseRoute(location.hash)));

export function go(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/** A coarse clock so relative times ("3 min ago") stay true without a reload. */
export const clock = $state({ now: Date.now() });
setInterval(() => (clock.now = Date.now()), 30_000);
