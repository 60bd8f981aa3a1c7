package com.livechat.tenant;

import com.livechat.store.Rows;
import com.livechat.store.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * A tenant's own carrier account, overriding the server-wide one (table tenant_telephony). Its auth
 * token is stored sealed by the {@link SecretBox} and bound to the tenant's row (the tenant id is
 * the associated data): a dump alone does not reveal it, and a value copied to another tenant's
 * row does not open. Nothing here is cached: a change holds from the next call on, on every node.
 */
public final class TelephonyStore {

  /** A tenant's account as stored, without its token; {@code apiBaseUrl} null = the server-wide one. */
  public record Stored(String accountSid, String apiBaseUrl) {}

  public enum Saved { SAVED, NO_AUTH_TOKEN, NO_SUCH_TENANT }

  private static final String FIND = "SELECT account_sid, api_base_url FROM tenant_telephony WHERE tenant_id = $1";
  private static final String ACCOUNT =
      "SELECT account_sid, auth_token_enc, api_base_url FROM tenant_telephony WHERE tenant_id = $1";
  private static final String UPSERT =
      "INSERT INTO tenant_telephony (tenant_id, account_sid, auth_token_enc, api_base_url) "
          + "SELECT $1::text, $2::text, $3::bytea, $4::text WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1) "
          + "ON CONFLICT (tenant_id) DO UPDATE SET account_sid = EXCLUDED.account_sid, "
          + "auth_token_enc = EXCLUDED.auth_token_enc, api_base_url = EXCLUDED.api_base_url, updated_at = now()";
  private static final String UPDATE_KEEPING_TOKEN =
      "UPDATE tenant_telephony SET account_sid = $2, api_base_url = $3, updated_at = now() WHERE tenant_id = $1";
  private static final String DELETE = "DELETE FROM tenant_telephony WHERE tenant_id = $1";

  private final Pool pool;
  private final SecretBox secrets;
  private final String defaultApiBaseUrl;

  /** @param defaultApiBaseUrl the server-wide API root (voice.twilio.apiBaseUrl), for an account without its own */
  public TelephonyStore(Pool pool, SecretBox secrets, String defaultApiBaseUrl) {
    this.pool = pool;
    this.secrets = secrets;
    this.defaultApiBaseUrl = TelephonyInput.withoutTrailingSlash(defaultApiBaseUrl);
  }

  /**
   * The tenant's own account with its token decrypted and its API root filled in (its own, else the
   * server-wide one), or null when the tenant has none (the server-wide account applies). Fails
   * with an IllegalStateException when the stored token does not open (secrets.key was changed).
   */
  public Future<TelephonyAccount> account(String tenantId) {
    return pool.preparedQuery(ACCOUNT).execute(Tuple.of(tenantId)).map(rows -> Rows.first(rows, r -> {
      String token;
      try {
        token = secrets.open(r.getBuffer("auth_token_enc").getBytes(), tenantId);
      } catch (IllegalStateException e) {
        throw new IllegalStateException("The telephony auth token stored for tenant " + tenantId + " does not open "
            + "with this server's secrets.key (was it changed, or do the nodes have different keys?)", e);
      }
      String apiBaseUrl = r.getString("api_base_url");
      return new TelephonyAccount(r.getString("account_sid"), token, apiBaseUrl == null ? defaultApiBaseUrl : apiBaseUrl);
    }));
  }

  /** The tenant's own account without its token, or null when it has none. */
  public Future<Stored> find(String tenantId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId))
        .map(rows -> Rows.first(rows, r -> new Stored(r.getString("account_sid"), r.getString("api_base_url"))));
  }

  /**
   * Sets the tenant's own account. A null {@code authToken} keeps the stored one, and is refused
   * ({@link Saved#NO_AUTH_TOKEN}, nothing written) when the tenant has no account yet.
   */
  public Future<Saved> save(String tenantId, String accountSid, String authToken, String apiBaseUrl) {
    if (authToken == null) {
      return pool.preparedQuery(UPDATE_KEEPING_TOKEN).execute(Tuple.of(tenantId, accountSid, apiBaseUrl))
          .map(rows -> rows.rowCount() == 0 ? Saved.NO_AUTH_TOKEN : Saved.SAVED);
    }
    Buffer sealed = Buffer.buffer(secrets.seal(authToken, tenantId));
    return pool.preparedQuery(UPSERT).execute(Tuple.of(tenantId, accountSid, sealed, apiBaseUrl))
        .map(rows -> rows.rowCount() == 0 ? Saved.NO_SUCH_TENANT : Saved.SAVED);
  }

  /** Removes the tenant's own account (the server-wide one applies again); false when it had none. */
  public Future<Boolean> delete(String tenantId) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(tenantId)).map(rows -> rows.rowCount() > 0);
  }
}
