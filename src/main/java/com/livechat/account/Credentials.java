package com.livechat.account;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules every new account follows, whoever creates it (sign-up or an owner/admin adding a
 * team member): a valid email, stored lower-cased and unique across the service, and a password of
 * 10 to 256 characters.
 */
public final class Credentials {

  static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
  public static final int EMAIL_MAX = 254;
  public static final int PASSWORD_MIN = 10;
  public static final int PASSWORD_MAX = 256;

  private Credentials() {}

  /** The body's {@code email}, trimmed and lower-cased, or 400 {@code invalid_email}. */
  public static String email(JsonObject body) {
    Object value = body.getValue("email");
    String email = value instanceof String s ? s.strip().toLowerCase(Locale.ROOT) : null;
    if (email == null || email.length() > EMAIL_MAX || !EMAIL.matcher(email).matches()) {
      throw AppError.invalid("invalid_email", "email must be a valid email address of at most "
          + EMAIL_MAX + " characters.");
    }
    return email;
  }

  /** The body's {@code password}, as given, or 400 {@code invalid_password}. */
  public static String password(JsonObject body) {
    Object value = body.getValue("password");
    if (!(value instanceof String p) || p.length() < PASSWORD_MIN || p.length() > PASSWORD_MAX) {
      throw AppError.invalid("invalid_password", "password must be " + PASSWORD_MIN + " to " + PASSWORD_MAX
          + " characters.");
    }
    return p;
  }

  /** Turns the unique-index violation on users.email into 409 {@code email_taken}; other failures pass. */
  public static <T> Future<T> emailTaken(Throwable err) {
    boolean taken = err instanceof PgException pg && "23505".equals(pg.getSqlState())
        && "users_email_key".equals(pg.getConstraint());
    return Future.failedFuture(taken ? AppError.conflict("email_taken", "An account with this email already exists.")
        : err);
  }
}
