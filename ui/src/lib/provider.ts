/** Which enricher made a result or runs the workers, as the server names it. */
import type { ProviderKind } from './gen/ProviderKind';
import type { Key } from './i18n';

export type { ProviderKind };

/** How each enricher is named to people; a new kind must be named here to compile. */
export const PROVIDER_LABELS: Record<ProviderKind, Key> = {
  openai: 'provider_openai',
  builtin: 'provider_builtin',
};

/** The provider a stored provenance names, or null when it names none this UI knows. */
export function providerOf(v: unknown): ProviderKind | null {
  return typeof v === 'string' && Object.hasOwn(PROVIDER_LABELS, v) ? (v as ProviderKind) : null;
}
