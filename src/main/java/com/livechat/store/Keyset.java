package com.livechat.store;

import java.time.OffsetDateTime;

/**
 * The position a page of a list ordered by (created_at, id) starts after: the last row of the
 * previous page, or null for the first page. Every paged query uses the one idiom
 * {@code ($n::timestamptz IS NULL OR (created_at, id) > ($n, $m)) ORDER BY created_at, id LIMIT $k}
 * ({@code <} and DESC for a newest-first list), with {@link #createdAt()} and {@link #id()} as
 * {@code $n} and {@code $m}; a null position passes nulls. Callers ask for one row more than the
 * page holds, to know whether another page follows.
 */
public record Keyset(OffsetDateTime createdAt, String id) {

  public static OffsetDateTime createdAt(Keyset after) {
    return after == null ? null : after.createdAt();
  }

  public static String id(Keyset after) {
    return after == null ? null : after.id();
  }
}
