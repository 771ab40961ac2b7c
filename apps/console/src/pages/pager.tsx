import { useSearchParams } from 'react-router';

/** First and next page of a cursor-paged list whose cursor is the page URL's `cursor` parameter. */
export function Pager({ nextCursor }: { nextCursor: string | null | undefined }) {
  const [params, setParams] = useSearchParams();
  const withCursor = (cursor: string | null) => {
    const p = new URLSearchParams(params);
    if (cursor === null) p.delete('cursor');
    else p.set('cursor', cursor);
    setParams(p);
  };
  return (
    <nav aria-label="Result pages" className="pager">
      {params.get('cursor') && <button type="button" onClick={() => withCursor(null)}>First page</button>}
      {nextCursor && <button type="button" onClick={() => withCursor(nextCursor)}>Next page</button>}
    </nav>
  );
}
