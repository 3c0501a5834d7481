// The routes moved to routes/ (one file per route); this path stays for oidc/plugin.ts's import.
export { type SignInRoutesOptions, signInRoutes } from './routes/index.ts';
