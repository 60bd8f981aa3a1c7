package com.livechat.store;

import io.vertx.pgclient.PgException;

/** Foreign-key violations of a write, told apart by the constraint's name. */
public final class ForeignKeys {

  private static final String FOREIGN_KEY_VIOLATION = "23503";

  private ForeignKeys() {}

  /** Whether {@code failure} is the violation of {@code constraint}. */
  public static boolean violated(Throwable failure, String constraint) {
    return failure instanceof PgException pg && FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
        && constraint.equals(pg.getConstraint());
  }
}
