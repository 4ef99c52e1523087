import { TopBar } from './TopBar';

/** An unknown UI path. */
export function NotFound({ path }: { path: string }) {
  return (
    <>
      <TopBar />
      <main class="page">
        <p>
          No page at <code>{path}</code>. <a href="/">Back to the dashboards</a>
        </p>
      </main>
    </>
  );
}
