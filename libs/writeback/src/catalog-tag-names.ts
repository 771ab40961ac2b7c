import type { AtlasApi } from '@tributary/connectors';

/** How long a catalog's tag types are trusted before they are read again. */
const TTL_MS = 5 * 60_000;

/**
 * Tributary names tags as people see them; Atlan names its tag types by hashed ids (contract §1.6)
 * and shows a `displayName`. This maps a display name to the catalog's name, from
 * `GET /types/typedefs?type=classification`, cached per connector (and its config version): read
 * again when older than the TTL or when a name is missing (a tag type created since). Upstream Atlas
 * names are what people see: no lookup.
 */
export class CatalogTagNames {
  private readonly cache = new Map<string, { byDisplay: Map<string, string>; readAt: number }>();

  /** The mapper for one connector's catalog; reads the tag types at most once per call when one of `names` is missing. */
  async mapper(key: string, flavour: 'atlas' | 'atlan', api: AtlasApi, names: readonly string[]): Promise<(name: string) => string> {
    if (flavour === 'atlas' || names.length === 0) return (name) => name;
    let entry = this.cache.get(key);
    const stale = !entry || Date.now() - entry.readAt > TTL_MS || names.some((n) => !entry!.byDisplay.has(n));
    if (stale) {
      const types = await api.classificationTypes();
      entry = { byDisplay: new Map(types.map((t) => [t.displayName, t.name])), readAt: Date.now() };
      this.cache.set(key, entry);
    }
    const byDisplay = entry!.byDisplay;
    // a tag with no type in the catalog goes as named: the catalog refuses it (404 ATLAS-404-00-008), which parks the entity with that reason
    return (name) => byDisplay.get(name) ?? name;
  }
}
