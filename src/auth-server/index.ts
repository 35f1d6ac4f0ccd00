export { AuthServer, type AuthServerOptions } from './auth-server.js';
export { AccountStore, type Account, type LockoutPolicy } from './accounts/accounts.js';
export {
  ACCOUNT_ROLES,
  CLINICAL_ROLES,
  isAccountRole,
  type AccountRole,
} from './accounts/roles.js';
export { demoAccountsFile, type DemoAccount, type DemoPerson } from './accounts/demo.js';
export { APP_SERVER_CLIENT, CLI_CLIENT, WEB_CLIENT } from './oidc/clients.js';
export { authMigrations, openAuthDatabase, type AuthTables } from './store/db.js';
export { oidcMigrations } from './store/oidc-migrations.js';
export type { OidcTables, AccountsTable, OidcModelsTable } from './store/oidc-tables.js';
