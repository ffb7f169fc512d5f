/** The `user_access` table (migration 0006): administrators' decisions about users. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { UserAccess, UserAccessRepo } from './types.js';

export function createUserAccessRepo(db: Kysely<Database>): UserAccessRepo {
  return {
    async get(userId) {
      const row = await db.selectFrom('user_access').selectAll().where('user_id', '=', userId).executeTakeFirst();
      if (row === undefined) return undefined;
      const roles: unknown = JSON.parse(row.revoked_roles);
      return {
        userId: row.user_id,
        blocked: Number(row.blocked) === 1,
        revokedRoles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
        reason: row.reason,
        updatedBy: row.updated_by,
        updatedAt: row.updated_at,
      };
    },
    async put(access: UserAccess) {
      const values = {
        blocked: access.blocked ? 1 : 0,
        revoked_roles: JSON.stringify(access.revokedRoles),
        reason: access.reason,
        updated_by: access.updatedBy,
        updated_at: access.updatedAt,
      };
      await db
        .insertInto('user_access')
        .values({ user_id: access.userId, ...values })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
        .execute();
    },
  };
}
