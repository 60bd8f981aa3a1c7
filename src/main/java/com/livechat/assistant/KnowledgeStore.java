package com.livechat.assistant;

import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The assistants' knowledge bases, scoped by tenant, and the full-text search that finds the
 * entries answering a visitor's question. Entries are indexed with the tenant's text-search
 * configuration (tenants.search_config, see V4__knowledge.sql).
 */
public final class KnowledgeStore {

  /** Most characters of a question that {@link #search} reads; the rest is ignored. */
  public static final int SEARCH_TEXT_MAX = 4000;
  /** Most hits one {@link #search} returns. */
  public static final int SEARCH_LIMIT_MAX = 50;

  /** What a create did: on CREATED, {@code entry} is the stored entry. */
  public record Write(Outcome outcome, KnowledgeEntry entry) {}

  public enum Outcome { CREATED, NO_SUCH_ASSISTANT, LIMIT_REACHED }

  /** What a read of one entry found; {@code entry} is null when the assistant has no such entry. */
  public record Lookup(boolean assistantFound, KnowledgeEntry entry) {}

  public enum Deleted { DELETED, NO_SUCH_ASSISTANT, NO_SUCH_ENTRY }

  // KEY SHARE: the assistant cannot be deleted before the insert commits, yet conversations and
  // other knowledge writers are not held up
  private static final String LOCK_ASSISTANT =
      "SELECT id FROM assistants WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE";
  // NO KEY UPDATE: serializes the tenant's knowledge writes (so the count below is exact) and
  // waits for a change of the tenant's search_config, whose re-index then already saw this entry
  // or whose new value this entry is indexed with; foreign-key checks (KEY SHARE) are not blocked
  private static final String LOCK_TENANT = "SELECT search_config FROM tenants WHERE id = $1 FOR NO KEY UPDATE";
  private static final String COUNT =
      "SELECT count(*) FROM knowledge_entries WHERE tenant_id = $1 AND assistant_id = $2";
  private static final String INSERT =
      "INSERT INTO knowledge_entries (id, tenant_id, assistant_id, title, content, search_config) "
          + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at";
  // one row when the assistant is the tenant's, whose entry columns are null when there is no entry
  private static final String FIND =
      "SELECT e.id, a.tenant_id, a.id AS assistant_id, e.title, e.content, e.created_at FROM assistants a "
          + "LEFT JOIN knowledge_entries e ON e.tenant_id = a.tenant_id AND e.assistant_id = a.id AND e.id = $3 "
          + "WHERE a.tenant_id = $1 AND a.id = $2";
  private static final String LIST =
      "SELECT e.id, a.tenant_id, a.id AS assistant_id, e.title, e.content, e.created_at FROM assistants a "
          + "LEFT JOIN LATERAL (SELECT k.id, k.title, k.content, k.created_at FROM knowledge_entries k WHERE k.tenant_id = a.tenant_id "
          + "AND k.assistant_id = a.id AND ($3::timestamptz IS NULL OR (k.created_at, k.id) > ($3, $4)) "
          + "ORDER BY k.created_at, k.id LIMIT $5) e ON true WHERE a.tenant_id = $1 AND a.id = $2 ORDER BY e.created_at, e.id";
  private static final String DELETE =
      "WITH assistant AS (SELECT id FROM assistants WHERE tenant_id = $1 AND id = $2), "
          + "deleted AS (DELETE FROM knowledge_entries e USING assistant a "
          + "WHERE e.tenant_id = $1 AND e.assistant_id = a.id AND e.id = $3 RETURNING e.id) "
          + "SELECT (SELECT count(*) FROM assistant) AS assistants, (SELECT count(*) FROM deleted) AS deleted";
  // Setting search_config recomputes the generated search_vector. Only rows indexed otherwise.
  private static final String REINDEX =
      "UPDATE knowledge_entries SET search_config = $2 WHERE tenant_id = $1 AND search_config <> $2";
  /*
   * The question becomes an OR of its lexemes (the words to_tsvector keeps: stemmed, stop words
   * dropped): visitors ask in sentences, and an AND of every word (plainto_tsquery) would rarely
   * match anything. The tsquery is built from the lexemes, each quoted with ' and \ doubled, so no
   * input can make it invalid; a question of stop words only gives NULL, which matches nothing.
   * MATERIALIZED: the query is computed once, and the GIN index on search_vector can use it.
   *
   * The score is ts_rank (which, for an OR query, averages a per-lexeme score that saturates with
   * repeats) times the number of lexemes: a sum over the question's lexemes found in the entry,
   * which long questions do not dilute. See KnowledgeHit for the rank it is mapped to.
   * Package-private: KnowledgeSearchTest checks its plan.
   */
  static final String SEARCH =
      "WITH question AS MATERIALIZED ("
          + "SELECT string_agg('''' || replace(replace(u.lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | ')::tsquery "
          + "AS query, count(*) AS lexemes "
          + "FROM tenants t, unnest(to_tsvector(('pg_catalog.' || quote_ident(t.search_config))::regconfig, $3)) AS u "
          + "WHERE t.id = $1), "
          + "hits AS (SELECT e.id, e.title, e.content, ts_rank(e.search_vector, q.query)::float8 * q.lexemes AS score "
          + "FROM question q JOIN knowledge_entries e ON e.search_vector @@ q.query "
          + "WHERE e.tenant_id = $1 AND e.assistant_id = $2) "
          + "SELECT id, title, content, score / (score + 1) AS rank FROM hits ORDER BY rank DESC, id LIMIT $4";

  private final Pool pool;

  public KnowledgeStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Adds an entry to the tenant's assistant, unless the assistant already has {@code maxEntries}.
   * Exact under concurrency: the tenant's knowledge writes are serialized.
   */
  public Future<Write> create(String tenantId, String assistantId, String id, String title, String content,
      int maxEntries) {
    return pool.withTransaction(tx -> tx.preparedQuery(LOCK_ASSISTANT).execute(Tuple.of(tenantId, assistantId))
        .compose(assistant -> assistant.size() == 0 ? Future.succeededFuture(new Write(Outcome.NO_SUCH_ASSISTANT, null))
            : tx.preparedQuery(LOCK_TENANT).execute(Tuple.of(tenantId)).compose(tenant -> {
              String config = tenant.iterator().next().getString("search_config");
              return tx.preparedQuery(COUNT).execute(Tuple.of(tenantId, assistantId))
                  .compose(count -> count.iterator().next().getLong(0) >= maxEntries
                      ? Future.succeededFuture(new Write(Outcome.LIMIT_REACHED, null))
                      : tx.preparedQuery(INSERT).execute(Tuple.of(id, tenantId, assistantId, title, content, config))
                          .map(rows -> new Write(Outcome.CREATED, new KnowledgeEntry(id, tenantId, assistantId, title,
                              content, rows.iterator().next().getOffsetDateTime("created_at")))));
            })));
  }

  public Future<Lookup> find(String tenantId, String assistantId, String entryId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, assistantId, entryId)).map(rows -> {
      if (rows.size() == 0) {
        return new Lookup(false, null);
      }
      Row row = rows.iterator().next();
      return new Lookup(true, row.getString("id") == null ? null : KnowledgeEntry.from(row));
    });
  }

  /**
   * Oldest first, after {@code after} (null: from the start); up to {@code limit} entries.
   *
   * @return the entries, or null when the tenant has no assistant with this id
   */
  public Future<List<KnowledgeEntry>> list(String tenantId, String assistantId, Keyset after, int limit) {
    Future<RowSet<Row>> query = pool.preparedQuery(LIST)
        .execute(Tuple.of(tenantId, assistantId, Keyset.createdAt(after), Keyset.id(after), limit));
    return query.map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      List<KnowledgeEntry> entries = new ArrayList<>(rows.size());
      for (Row row : rows) {
        if (row.getString("id") != null) {
          entries.add(KnowledgeEntry.from(row));
        }
      }
      return entries;
    });
  }

  public Future<Deleted> delete(String tenantId, String assistantId, String entryId) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(tenantId, assistantId, entryId)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getLong("assistants") == 0) {
        return Deleted.NO_SUCH_ASSISTANT;
      }
      return row.getLong("deleted") == 0 ? Deleted.NO_SUCH_ENTRY : Deleted.DELETED;
    });
  }

  /**
   * The tenant assistant's entries that share words with {@code text} (a visitor's question, any
   * text: no input makes it fail), best first (rank, then id), at most {@code limit} (1 to
   * {@link #SEARCH_LIMIT_MAX}). Words are read with the tenant's text-search configuration; only
   * the first {@link #SEARCH_TEXT_MAX} characters count. Empty when nothing matches, when the
   * text has no searchable word (only stop words or punctuation), or when the assistant is not the
   * tenant's. See {@link KnowledgeHit#rank()} for what the rank means and from where it is good.
   */
  public Future<List<KnowledgeHit>> search(String tenantId, String assistantId, String text, int limit) {
    if (limit < 1 || limit > SEARCH_LIMIT_MAX) {
      return Future.failedFuture(new IllegalArgumentException("limit must be 1 to " + SEARCH_LIMIT_MAX));
    }
    if (text == null || text.isBlank()) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(SEARCH).execute(Tuple.of(tenantId, assistantId, searchable(text), limit))
        .map(rows -> {
          List<KnowledgeHit> hits = new ArrayList<>(rows.size());
          for (Row row : rows) {
            hits.add(new KnowledgeHit(row.getString("id"), row.getString("title"), row.getString("content"),
                row.getDouble("rank")));
          }
          return hits;
        });
  }

  /**
   * Re-indexes the tenant's entries with {@code config} (a pg_catalog text-search configuration
   * name), in the caller's transaction, which has just set tenants.search_config to it.
   */
  public static Future<Integer> reindex(SqlClient tx, String tenantId, String config) {
    return tx.preparedQuery(REINDEX).execute(Tuple.of(tenantId, config)).map(RowSet::rowCount);
  }

  /** At most SEARCH_TEXT_MAX characters, never a broken surrogate pair, no NUL (PostgreSQL text cannot hold it). */
  private static String searchable(String text) {
    String cut = text;
    if (cut.length() > SEARCH_TEXT_MAX) {
      int end = SEARCH_TEXT_MAX;
      if (Character.isHighSurrogate(cut.charAt(end - 1))) {
        end--;
      }
      cut = cut.substring(0, end);
    }
    return cut.indexOf('\0') < 0 ? cut : cut.replace('\0', ' ');
  }
}
