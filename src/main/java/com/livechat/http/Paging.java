package com.livechat.http;

import com.livechat.error.AppError;
import com.livechat.store.Keyset;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * ?limit= (default 50, 1 to 200) and opaque ?cursor= values, as shared/API.md fixes them, and the
 * {@code items}/{@code nextCursor} body of a page. A cursor holds a {@link Keyset} position with
 * the creation time in microseconds (PostgreSQL's precision), so no row is skipped or repeated.
 */
public final class Paging {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  private Paging() {}

  public static int limit(RoutingContext ctx) {
    String raw = ctx.request().getParam("limit");
    if (raw == null || raw.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the 400
    }
    throw AppError.invalid("invalid_limit", "limit must be an integer from 1 to " + MAX_LIMIT + ".");
  }

  /** The position after which the requested page starts (?cursor=), or null for the first page. */
  public static Keyset after(RoutingContext ctx) {
    String position = decodeCursor(ctx.request().getParam("cursor"));
    if (position == null) {
      return null;
    }
    int colon = position.indexOf(':');
    try {
      long micros = Long.parseLong(position.substring(0, colon));
      String id = position.substring(colon + 1);
      // no id this server issues holds a control character, and PostgreSQL refuses NUL in text
      if (!id.isEmpty() && id.chars().noneMatch(Character::isISOControl)) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        return new Keyset(OffsetDateTime.ofInstant(at, ZoneOffset.UTC), id);
      }
    } catch (RuntimeException ignored) {
      // falls through to the 400
    }
    throw invalidCursor();
  }

  /**
   * The page body of {@code rows}, fetched with {@code limit + 1}: the extra row only tells that
   * another page follows; {@code nextCursor} is the opaque position of the page's last row.
   */
  public static <T> JsonObject page(List<T> rows, int limit, Function<T, JsonObject> toJson,
      Function<T, Keyset> position) {
    return pageOf(rows, limit, toJson, row -> encode(position.apply(row)));
  }

  /** As {@link #page}, for a list read {@code ?after=} an item's id: {@code nextCursor} is the last item's id. */
  public static <T> JsonObject pageAfterId(List<T> rows, int limit, Function<T, JsonObject> toJson,
      Function<T, String> id) {
    return pageOf(rows, limit, toJson, id);
  }

  private static <T> JsonObject pageOf(List<T> rows, int limit, Function<T, JsonObject> toJson,
      Function<T, String> nextCursor) {
    List<T> page = rows.size() > limit ? rows.subList(0, limit) : rows;
    JsonArray items = new JsonArray();
    page.forEach(row -> items.add(toJson.apply(row)));
    String next = rows.size() > limit ? nextCursor.apply(page.get(page.size() - 1)) : null;
    return new JsonObject().put("items", items).put("nextCursor", next);
  }

  private static String encode(Keyset position) {
    Instant at = position.createdAt().toInstant();
    String raw = (at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000) + ":" + position.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** @return the position, or null when the request has no cursor; a malformed one is a 400 */
  private static String decodeCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      if (cursor.length() <= 512) {
        return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the 400
    }
    throw invalidCursor();
  }

  private static AppError invalidCursor() {
    return AppError.invalid("invalid_cursor", "cursor is not one this server issued.");
  }
}
