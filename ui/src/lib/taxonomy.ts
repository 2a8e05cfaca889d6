/** Labels for taxonomy codes, from the server's one table (`gen/taxonomy.json`). */
import data from './gen/taxonomy.json';
import type { Lang } from './i18n';

interface Coded {
  code: string;
  label_ms: string;
  label_en: string;
}
interface Act {
  code: string;
  name: string;
  short_name: string;
  sections: { code: string; title: string }[];
}

const categories: Coded[] = data.categories;
const sectors: Coded[] = data.sectors;
const areas: Coded[] = data.areas;
const languages: Coded[] = data.languages;
const roles: Coded[] = data.roles;
const acts: Act[] = data.acts;

function label(table: Coded[], code: string, lang: Lang): string {
  const row = table.find((c) => c.code === code);
  if (!row) return code;
  return lang === 'ms' ? row.label_ms : row.label_en;
}

export const categoryLabel = (code: string, lang: Lang) => label(categories, code, lang);
export const sectorLabel = (code: string, lang: Lang) => label(sectors, code, lang);
export const areaLabel = (code: string, lang: Lang) => label(areas, code, lang);
export const languageLabel = (code: string, lang: Lang) => label(languages, code, lang);
export const personRoleLabel = (code: string, lang: Lang) => label(roles, code, lang);

/** `Akta 694 s16(a) — Accepting gratification…`; unknown codes are shown as they are. */
export function legalLabel(actCode: string, section: string): { act: string; section: string } {
  const act = acts.find((a) => a.code === actCode);
  const title = act?.sections.find((s) => s.code === section)?.title;
  return {
    act: act?.short_name ?? actCode,
    section: title ? `s${section} — ${title}` : `s${section}`,
  };
}

export function actName(actCode: string): string {
  return acts.find((a) => a.code === actCode)?.name ?? actCode;
}
