package com.livechat.auth;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dashboard JWTs (HS256): claims sub, tenantId, role, and exp. */
public final class JwtService {

  /**
   * The shape of the ids this server puts in a token: a well-signed token with a NUL or 5,000
   * characters in one is not one of ours, and must not reach a query as an id.
   */
  private static final Pattern ISSUED_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

  private static final Logger LOG = LoggerFactory.getLogger(JwtService.class);
  private static final String SECRET_FILE = "jwt-secret";

  // verified tokens, so a dashboard that sends the same token with every request pays for the
  // HMAC and the claims parsing once; a hit is still refused once its exp has passed. Shared by
  // the event loops; emptied when full (a token only ever costs one more verification).
  private static final int MAX_VERIFIED = 10_000;

  private final JWTAuth auth;
  private final int expiresMinutes;
  private final ConcurrentHashMap<String, Principal> verified = new ConcurrentHashMap<>();

  public JwtService(Vertx vertx, String secret, int expiresMinutes) {
    this.auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setAlgorithm("HS256")));
    this.expiresMinutes = expiresMinutes;
  }

  public String issue(String userId, String tenantId, String role) {
    return auth.generateToken(new JsonObject().put("sub", userId).put("tenantId", tenantId).put("role", role),
        new JWTOptions().setAlgorithm("HS256").setExpiresInMinutes(expiresMinutes));
  }

  public Future<User> authenticate(String token) {
    try {
      return auth.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      return Future.failedFuture(AppError.unauthorized("unauthorized", "Missing, invalid or expired token."));
    }
  }

  /**
   * Verifies signature and expiry and requires the claims the API promises (sub, tenantId, a known
   * role, exp) and none of a visitor token's (aud, typ); anything else fails with a 401 AppError.
   */
  public Future<Principal> verify(String token) {
    AppError invalid = AppError.unauthorized("unauthorized", "Missing, invalid or expired token.");
    if (token == null || token.isBlank() || token.length() > 4096) {
      return Future.failedFuture(invalid);
    }
    Principal known = verified.get(token);
    if (known != null) {
      if (known.expiresAtEpochSeconds() > System.currentTimeMillis() / 1000) {
        return Future.succeededFuture(known);
      }
      verified.remove(token);
      return Future.failedFuture(invalid);
    }
    Future<User> authenticated;
    try {
      authenticated = auth.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // a well-signed token whose claims are of the wrong types (an "exp" that is a string) makes
      // the JWT provider throw instead of failing
      return Future.failedFuture(invalid);
    }
    return authenticated
        .recover(err -> Future.failedFuture(invalid))
        .compose(user -> {
          JsonObject claims = user.principal();
          Object exp = user.attributes().getValue("exp", claims.getValue("exp"));
          String sub = claims.getValue("sub") instanceof String text && ISSUED_ID.matcher(text).matches() ? text : null;
          String tenantId = claims.getValue("tenantId") instanceof String text && ISSUED_ID.matcher(text).matches()
              ? text : null;
          String role = claims.getValue("role") instanceof String text ? text : null;
          // a visitor token (VisitorTokens: an audience and a type of its own) is never a dashboard token
          if (!(exp instanceof Number expiry) || sub == null || tenantId == null || role == null
              || !Principal.ROLES.contains(role) || claims.containsKey("aud") || claims.containsKey("typ")) {
            return Future.failedFuture(invalid);
          }
          Principal principal = new Principal(sub, tenantId, role, expiry.longValue());
          if (verified.size() >= MAX_VERIFIED) {
            verified.clear();
          }
          verified.put(token, principal);
          return Future.succeededFuture(principal);
        });
  }

  /**
   * The configured secret, or the one kept in the data dir (generated on first start, so that
   * restarts keep issued tokens valid). Blocking: call at start-up only.
   */
  public static String resolveSecret(String configured, Path dataDir) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path file = dataDir.resolve(SECRET_FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      Files.createDirectories(dataDir);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(com.livechat.store.Ids.randomBytes(48));
      Files.writeString(file, secret, StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system; the file stays with default permissions
      }
      LOG.warn("No JWT secret configured: generated one in {}. Every node of a cluster needs the same "
          + "secret: set LIVECHAT_JWT_SECRET on each node.", file.toAbsolutePath());
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the JWT secret in " + file, e);
    }
  }
}
