// The two node:fs calls the tests make to load the real dashboards in /work/shared (the project has
// no @types/node; if it is added, these declarations merge with it harmlessly).

declare module 'node:fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
  export function readdirSync(path: string): string[];
}
