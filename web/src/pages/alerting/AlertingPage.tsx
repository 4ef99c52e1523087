import { TopBar } from '../../components/TopBar';

/** Alerting (rules, alerts, silences) arrives with the alerting engine. */
export function AlertingPage() {
  return (
    <>
      <TopBar title="Alerting" />
      <main class="page">
        <p class="muted">Alert rules are not evaluated yet in this version.</p>
      </main>
    </>
  );
}
