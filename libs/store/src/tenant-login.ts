import { Pool } from 'pg';
import { SecretBox } from './secret-box';

/** The PostgreSQL login every tenant transaction runs on. */
export interface TenantLogin {
  user: string;
  password: string;
}

/** A tenant login, and whether the store made it (and may repair it) or the operator did. */
export interface ResolvedTenantLogin extends TenantLogin {
  managed: boolean;
}

/**
 * The login the store makes for itself when the operator names none: `<app role>_login`, whose
 * password is derived from the encryption key, so every process of a deployment knows it and none
 * stores it.
 */
export function managedTenantLogin(appRole: string, secrets: SecretBox): ResolvedTenantLogin {
  const user = `${appRole}_login`;
  return { user, password: secrets.derive(`postgres-login:${user}`), managed: true };
}

/** The same connection string (host, database, options), with the tenant login's credentials. */
export function withLogin(url: string, login: TenantLogin): string {
  const u = new URL(url);
  u.username = encodeURIComponent(login.user);
  u.password = encodeURIComponent(login.password);
  return u.toString();
}

// 28P01 wrong password (also what scram answers for an unknown role), 28000 unknown role under trust
const LOGIN_REFUSED = new Set(['28P01', '28000']);

/**
 * Makes sure the tenant login connects and is what row-level security needs: not a superuser, no
 * BYPASSRLS, a member of the app role. A managed login that is missing or has another password
 * (a server from before it existed, a new encryption key) is created or repaired through the
 * privileged pool; an operator's login is only checked, and refused with what to create.
 */
export async function ensureTenantLogin(privileged: Pool, tenant: Pool, appRole: string, login: ResolvedTenantLogin): Promise<void> {
  const client = await tenant.connect().catch(async (err: Error & { code?: string }) => {
    if (!login.managed || !LOGIN_REFUSED.has(err.code ?? '')) throw new Error(`the tenant login ${login.user} cannot connect: ${err.message}`);
    await createManagedLogin(privileged, appRole, login);
    return tenant.connect();
  });
  try {
    const { rows } = await client.query<{ superuser: boolean; bypassrls: boolean; member: boolean }>(
      `SELECT rolsuper AS superuser, rolbypassrls AS bypassrls, pg_has_role(session_user, $1, 'MEMBER') AS member
       FROM pg_roles WHERE rolname = session_user`, [appRole]);
    const r = rows[0];
    if (r.superuser || r.bypassrls || !r.member) {
      throw new Error(`the tenant login ${login.user} must be a member of ${appRole} and neither a superuser nor exempt from `
        + `row-level security; create it with: CREATE ROLE ${login.user} LOGIN PASSWORD '…' NOSUPERUSER NOBYPASSRLS IN ROLE ${appRole}`);
    }
  } finally {
    client.release();
  }
}

/**
 * Roles belong to the whole server, so stores of several databases may race to create it: the
 * loser's duplicate is ignored. The password is base64url and the names are checked identifiers, so
 * they can be spelled into the statement (a DO block takes no parameters).
 */
async function createManagedLogin(privileged: Pool, appRole: string, login: TenantLogin): Promise<void> {
  await privileged.query(`DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${login.user}') THEN
      ALTER ROLE ${login.user} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${login.password}';
      GRANT ${appRole} TO ${login.user};
    ELSE
      CREATE ROLE ${login.user} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD '${login.password}' IN ROLE ${appRole};
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END $$`);
}
