import { AssetsRepository, Database, OpenLineageRepository } from '@tributary/store';
import { assetNotFound } from './assets.service';
import { ReadContext } from './write-context';

export interface ColumnLineageView {
  qualifiedName: string;
  columns: {
    name: string;
    type: string | null;
    description: string | null;
    /** the input fields this column is made from, with how (empty: none known) */
    inputFields: { qualifiedName: string | null; ref: string; field: string;
      transformations: { type: string; subtype: string | null; description: string | null; masking: boolean | null }[] }[];
  }[];
}

/**
 * An asset's columns (its `columns` attribute, which an OpenLineage `schema` facet sets) and, per
 * column, the input fields its column lineage names. A column the lineage names but the schema does
 * not is listed after the schema's, with no type.
 */
export class ColumnLineageService {
  constructor(
    private readonly database: Database,
    private readonly assets = new AssetsRepository(),
    private readonly openlineage = new OpenLineageRepository(),
  ) {}

  async columns(ctx: ReadContext, qualifiedName: string): Promise<ColumnLineageView> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const asset = await this.assets.findLive(tx, qualifiedName);
      if (!asset) throw assetNotFound(qualifiedName);
      const lineage = new Map((await this.openlineage.columnLineageOf(tx, asset.id)).map((c) => [c.column, c.inputFields]));
      const declared = columnsAttribute(asset.attributes.columns);
      const names = new Set(declared.map((c) => c.name));
      const columns = [...declared, ...[...lineage.keys()].filter((n) => !names.has(n)).map((name) => ({ name, type: null, description: null }))];
      return { qualifiedName, columns: columns.map((c) => ({ ...c, inputFields: lineage.get(c.name) ?? [] })) };
    });
  }
}

/** The `columns` attribute as a list of columns; whatever another writer put there that is not one is left out. */
function columnsAttribute(value: unknown): { name: string; type: string | null; description: string | null }[] {
  if (!Array.isArray(value)) return [];
  return value.filter((c): c is { name: string } => typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string')
    .map((c) => {
      const { type, description } = c as { type?: unknown; description?: unknown };
      return { name: c.name, type: typeof type === 'string' ? type : null, description: typeof description === 'string' ? description : null };
    });
}
