import { expectDescendants } from '../catalog/expect-descendants';
import { ApiClient } from '../support/api-client';
import { epochMs } from '../support/clock';

/** The API's largest page of assets. */
const PAGE = 500;
/** Assets also read one by one (GET /v1/assets/{qn}, another code path than the listing): the deepest ones. */
const SINGLE_READS = 5;

interface Classification {
  name: string;
  source: 'direct' | 'propagated';
  propagatedFrom?: string;
  depth?: number;
}

interface ListedAsset {
  qualifiedName: string;
  classifications: Classification[];
}

export interface ApiCheck {
  /** Milliseconds after the change's 200 at which the API had shown the expected state of every asset. */
  verifiedAt: number;
  /** The listing's own duration: how much of `verifiedAt` is reading rather than waiting. */
  listingMs: number;
  pages: number;
}

export interface TaggedExpectation {
  rootName: string;
  tag: string;
  /** qualified name -> shortest depth from the root, every descendant */
  depths: Map<string, number>;
}

/**
 * Checks through the API that every descendant shows the tag, propagated from the root at its
 * shortest depth, and nothing else does (the root shows it as its own): pages through
 * GET /v1/assets?tag=…, then reads the deepest descendants one by one.
 */
export async function verifyTagged(api: ApiClient, expected: TaggedExpectation, t0: number): Promise<ApiCheck> {
  const started = epochMs();
  const { assets, pages } = await listTagged(api, expected.tag);
  const propagated = new Map<string, number>();
  let rootShowsIt = false;
  for (const asset of assets) {
    if (asset.qualifiedName === expected.rootName) {
      rootShowsIt = asset.classifications.some((c) => c.name === expected.tag && c.source === 'direct');
      continue;
    }
    const fromRoot = asset.classifications.find((c) => c.name === expected.tag && c.source === 'propagated' && c.propagatedFrom === expected.rootName);
    propagated.set(asset.qualifiedName, fromRoot?.depth ?? -1);
  }
  if (!rootShowsIt) throw new Error(`GET /v1/assets?tag=${expected.tag} does not list the root with its own ${expected.tag}`);
  expectDescendants(`GET /v1/assets?tag=${expected.tag}`, propagated, expected.depths);
  for (const [name, depth] of deepest(expected.depths)) {
    const tag = (await readAsset(api, name)).classifications.find((c) => c.name === expected.tag && c.source === 'propagated');
    if (tag?.propagatedFrom !== expected.rootName || tag.depth !== depth) {
      throw new Error(`GET /v1/assets/${name} shows ${JSON.stringify(tag)}, expected ${expected.tag} from ${expected.rootName} at depth ${depth}`);
    }
  }
  const finished = epochMs();
  return { verifiedAt: finished - t0, listingMs: finished - started, pages };
}

/** Checks through the API that no asset shows the tag any more, the deepest descendants included. */
export async function verifyUntagged(api: ApiClient, expected: TaggedExpectation, t0: number): Promise<ApiCheck> {
  const started = epochMs();
  const { assets, pages } = await listTagged(api, expected.tag);
  if (assets.length > 0) {
    throw new Error(`GET /v1/assets?tag=${expected.tag} still lists ${assets.length} assets (e.g. ${assets.slice(0, 3).map((a) => a.qualifiedName).join(', ')})`);
  }
  for (const [name] of deepest(expected.depths)) {
    if ((await readAsset(api, name)).classifications.some((c) => c.name === expected.tag)) {
      throw new Error(`GET /v1/assets/${name} still shows ${expected.tag}`);
    }
  }
  const finished = epochMs();
  return { verifiedAt: finished - t0, listingMs: finished - started, pages };
}

async function listTagged(api: ApiClient, tag: string): Promise<{ assets: ListedAsset[]; pages: number }> {
  const assets: ListedAsset[] = [];
  let pages = 0;
  for (let cursor: string | null = ''; cursor !== null; pages++) {
    const page = JSON.parse(await api.getText(`/v1/assets?tag=${encodeURIComponent(tag)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as
      { items: ListedAsset[]; nextCursor: string | null };
    assets.push(...page.items);
    cursor = page.nextCursor;
  }
  return { assets, pages };
}

async function readAsset(api: ApiClient, name: string): Promise<ListedAsset> {
  return JSON.parse(await api.getText(`/v1/assets/${encodeURIComponent(name)}`)) as ListedAsset;
}

function deepest(depths: Map<string, number>): [string, number][] {
  return [...depths].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, SINGLE_READS);
}
