package com.livechat.auth;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Visitor tokens (secure mode, shared/API.md Part 7): a tenant's own server trades its widget token
 * for a short-lived token bound to one visitor session, which the page embeds instead of the
 * widget token. A visitor token is {@code vt_} followed by an HS256 JWT signed with the node's JWT
 * secret, with its own audience ({@value #AUDIENCE}) and type claim: a dashboard JWT is never
 * accepted as a visitor token, and a visitor token never as a dashboard JWT (see
 * {@link JwtService#verify}). Claims: {@code tenantId}, {@code sessionId}, {@code user} (the
 * visitor's name, email and phone as the tenant's server vouches for them, already cleaned),
 * {@code exp}.
 */
public final class VisitorTokens {

  public static final String PREFIX = "vt_";
  static final String AUDIENCE = "livechat-visitor";
  static final String TYPE = "visitor";
  /** Longer is not a token this server issued: refused before any parsing. */
  static final int MAX_LENGTH = 4096;
  // as JwtService: a widget that sends the same token with every request pays for the HMAC once
  private static final int MAX_VERIFIED = 10_000;

  /** A verified visitor token: the tenant and session it is bound to, and the visitor's details. */
  public record Visitor(String tenantId, String sessionId, JsonObject user, long expiresAtMillis) {}

  /** A token just issued, with the moment it stops being accepted. */
  public record Issued(String token, Instant expiresAt) {}

  private final JWTAuth auth;
  private final int lifetimeMinutes;
  private final ConcurrentHashMap<String, Visitor> verified = new ConcurrentHashMap<>();

  public VisitorTokens(Vertx vertx, String secret, int lifetimeMinutes) {
    this.auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setAlgorithm("HS256").setAudience(List.of(AUDIENCE))));
    this.lifetimeMinutes = lifetimeMinutes;
  }

  /** Whether a presented credential is meant as a visitor token (as opposed to a widget token). */
  public static boolean isVisitorToken(String token) {
    return token != null && token.startsWith(PREFIX);
  }

  /** @param user the visitor's cleaned contact fields (may be empty) */
  public Issued issue(String tenantId, String sessionId, JsonObject user) {
    long expires = Instant.now().getEpochSecond() + lifetimeMinutes * 60L;
    JsonObject claims = new JsonObject()
        .put("typ", TYPE)
        .put("tenantId", tenantId)
        .put("sessionId", sessionId)
        .put("user", user)
        .put("exp", expires);
    String jwt = auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setAudience(List.of(AUDIENCE)));
    return new Issued(PREFIX + jwt, Instant.ofEpochSecond(expires));
  }

  /**
   * Verifies signature, audience, type and expiry, and requires the claims this class issues;
   * anything else fails with 401 invalid_widget_token (the error of every bad widget credential).
   */
  public Future<Visitor> verify(String token) {
    if (!isVisitorToken(token) || token.length() > MAX_LENGTH) {
      return Future.failedFuture(invalid());
    }
    long now = System.currentTimeMillis();
    Visitor known = verified.get(token);
    if (known != null) {
      if (known.expiresAtMillis() > now) {
        return Future.succeededFuture(known);
      }
      verified.remove(token);
      return Future.failedFuture(invalid());
    }
    Future<io.vertx.ext.auth.User> authenticated;
    try {
      authenticated = auth.authenticate(new TokenCredentials(token.substring(PREFIX.length())));
    } catch (RuntimeException e) {
      // well signed, claims of the wrong types: the JWT provider throws instead of failing
      return Future.failedFuture(invalid());
    }
    return authenticated
        .recover(err -> Future.failedFuture(invalid()))
        .compose(user -> {
          JsonObject claims = user.principal();
          Object exp = user.attributes().getValue("exp", claims.getValue("exp"));
          Object tenantId = claims.getValue("tenantId");
          Object sessionId = claims.getValue("sessionId");
          Object details = claims.getValue("user");
          if (!TYPE.equals(claims.getValue("typ")) || !(exp instanceof Number expiry)
              || !(tenantId instanceof String tenant) || !(sessionId instanceof String session)
              || !(details instanceof JsonObject visitorUser) || expiry.longValue() * 1000 <= now) {
            return Future.failedFuture(invalid());
          }
          Visitor visitor = new Visitor(tenant, session, visitorUser, expiry.longValue() * 1000);
          if (verified.size() >= MAX_VERIFIED) {
            verified.clear();
          }
          verified.put(token, visitor);
          return Future.succeededFuture(visitor);
        });
  }

  static AppError invalid() {
    return AppError.unauthorized("invalid_widget_token", "Missing, invalid or expired widget or visitor token.");
  }
}
