// The route table: `/` dashboard list, `/d/{uid}` a dashboard, `/login`, `/alerting`.

import { useEffect, useRef } from 'preact/hooks';
import { interceptLinks, useLocation } from './lib/router';
import { ListPage } from './pages/list/ListPage';
import { LoginPage } from './pages/login/LoginPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { AlertingPage } from './pages/alerting/AlertingPage';
import { NotFound } from './components/NotFound';

export function App() {
  const root = useRef<HTMLDivElement>(null);
  const { path, query } = useLocation();
  useEffect(() => (root.current ? interceptLinks(root.current) : undefined), []);
  let page;
  const dash = /^\/d\/([^/]+)(?:\/[^/]*)?\/?$/.exec(path);
  if (path === '/' || path === '') page = <ListPage query={query} />;
  else if (dash) page = <DashboardPage key={dash[1]} uid={decodeURIComponent(dash[1])} />;
  else if (path === '/login') page = <LoginPage next={query.get('next') ?? '/'} />;
  else if (path === '/alerting') page = <AlertingPage />;
  else page = <NotFound path={path} />;
  return <div ref={root}>{page}</div>;
}
