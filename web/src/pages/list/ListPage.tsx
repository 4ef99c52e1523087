// The dashboard list (`/`): search by title, filter by tag (click a tag or pick it), folders
// shown beside titles. The query and tags live in the URL so the list can be linked.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { SearchHit } from '../../api/dashboard';
import { TopBar } from '../../components/TopBar';
import { navigate } from '../../lib/router';
import { tagColor } from '../../components/tagColor';

export function ListPage({ query }: { query: URLSearchParams }) {
  const text = query.get('query') ?? '';
  const tags = query.getAll('tag');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [allTags, setAllTags] = useState<string[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      api
        .search(text, tags)
        .then((h) => !stale && (setHits(h), setError('')))
        .catch((e: Error) => !stale && setError(e.message));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [text, tags.join('\u0000')]);

  useEffect(() => {
    api
      .tags()
      .then((t) => setAllTags(t.map((x) => x.term)))
      .catch(() => undefined);
  }, []);

  const update = (nextText: string, nextTags: string[]) => {
    const p = new URLSearchParams();
    if (nextText) p.set('query', nextText);
    for (const t of nextTags) p.append('tag', t);
    const qs = p.toString();
    navigate(qs ? `/?${qs}` : '/', true);
  };
  const toggleTag = (tag: string) => update(text, tags.includes(tag) ? tags.filter((t) => t !== tag) : [...tags, tag]);

  return (
    <>
      <TopBar title="Dashboards" />
      <main class="page">
        <div class="search-row" role="search">
          <label class="sr-only" for="dash-search">
            Search dashboards
          </label>
          <input
            id="dash-search"
            type="search"
            placeholder="Search dashboards by name"
            value={text}
            onInput={(e) => update(e.currentTarget.value, tags)}
          />
          <label class="sr-only" for="tag-filter">
            Filter by tag
          </label>
          <select
            id="tag-filter"
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v) toggleTag(v);
            }}
          >
            <option value="">Filter by tag</option>
            {allTags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        {tags.length > 0 && (
          <p>
            Tags:{' '}
            {tags.map((t) => (
              <button key={t} type="button" class="tag" style={{ background: tagColor(t) }} onClick={() => toggleTag(t)} aria-label={`Remove tag filter ${t}`}>
                {t} ×
              </button>
            ))}
          </p>
        )}
        {error && (
          <div class="banner error" role="alert">
            {error}
          </div>
        )}
        {hits === null && !error && <p class="muted">Loading…</p>}
        {hits && hits.length === 0 && <p class="muted">No dashboards match.</p>}
        {hits && hits.length > 0 && (
          <ul class="dash-list" aria-label="Dashboards">
            {hits.map((h) => (
              <li key={h.uid}>
                <a href={h.url || `/d/${encodeURIComponent(h.uid)}`}>{h.title}</a>
                {h.folderTitle && <span class="muted">{h.folderTitle}</span>}
                {h.tags.map((t) => (
                  <button key={t} type="button" class="tag" style={{ background: tagColor(t) }} onClick={() => toggleTag(t)} aria-label={`Filter by tag ${t}`}>
                    {t}
                  </button>
                ))}
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
