package com.livechat.dashboard;

import com.livechat.http.ApiError;
import com.livechat.http.Paging;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;

/**
 * The position of a list ordered by (created_at, id): the request's {@code ?cursor=}, and the
 * {@code items}/{@code nextCursor} body of a page. The cursor holds the creation time in
 * microseconds (PostgreSQL's precision) so that no row is skipped or repeated between pages.
 */
record Keyset(OffsetDateTime createdAt, String id) {

  /** @return the position after which the requested page starts, or null for the first page */
  static Keyset after(RoutingContext ctx) {
    String position = Paging.decodeCursor(ctx.request().getParam("cursor"));
    if (position == null) {
      return null;
    }
    int colon = position.indexOf(':');
    try {
      long micros = Long.parseLong(position.substring(0, colon));
      String id = position.substring(colon + 1);
      if (!id.isEmpty()) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        return new Keyset(OffsetDateTime.ofInstant(at, ZoneOffset.UTC), id);
      }
    } catch (RuntimeException ignored) {
      // falls through to the 400
    }
    throw ApiError.invalid("invalid_cursor", "cursor is not one this server issued.");
  }

  /**
   * The page body of {@code rows}, fetched with {@code limit + 1}: the extra row only tells that
   * another page follows.
   */
  static <T> JsonObject page(List<T> rows, int limit, Function<T, JsonObject> toJson, Function<T, Keyset> position) {
    List<T> page = rows.size() > limit ? rows.subList(0, limit) : rows;
    JsonArray items = new JsonArray();
    page.forEach(row -> items.add(toJson.apply(row)));
    String next = rows.size() > limit ? position.apply(page.get(page.size() - 1)).encode() : null;
    return new JsonObject().put("items", items).put("nextCursor", next);
  }

  private String encode() {
    Instant at = createdAt.toInstant();
    return Paging.encodeCursor((at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000) + ":" + id);
  }
}
