package com.livechat.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Verification, and the cache of verified tokens: it never outlives a token's exp or accepts a forgery. */
class JwtServiceTest {

  private static final String SECRET = "jwt-service-test-secret-0123456789abcdef";
  private static final Vertx VERTX = Vertx.vertx();

  @AfterAll
  static void close() {
    VERTX.close().await();
  }

  private static String token(String secret, int expiresInSeconds, String role) {
    JWTAuth other = JWTAuth.create(VERTX, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return other.generateToken(new JsonObject().put("sub", "usr-1").put("tenantId", "ten-1").put("role", role),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(expiresInSeconds));
  }

  private static AppError failure(Future<Principal> verification) {
    try {
      verification.await();
    } catch (AppError e) {
      return e;
    }
    throw new AssertionError("verification should have failed");
  }

  @Test
  void aVerifiedTokenIsRefusedOnceItExpiresAlthoughItWasCached() throws Exception {
    JwtService jwt = new JwtService(VERTX, SECRET, 60);
    String token = token(SECRET, 2, "owner");
    Principal first = jwt.verify(token).await();
    assertThat(first.tenantId()).isEqualTo("ten-1");
    assertThat(jwt.verify(token).await()).isEqualTo(first);
    Thread.sleep(3_100);
    assertThat(failure(jwt.verify(token)).code()).isEqualTo("unauthorized");
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefusedEveryTime() {
    JwtService jwt = new JwtService(VERTX, SECRET, 60);
    String forged = token("another-secret-entirely-0123456789abcdef", 600, "owner");
    for (int i = 0; i < 2; i++) {
      assertThat(failure(jwt.verify(forged)).code()).isEqualTo("unauthorized");
    }
    String genuine = token(SECRET, 600, "owner");
    assertThat(jwt.verify(genuine).await().userId()).isEqualTo("usr-1");
    // the same claims under a broken signature are not served from the genuine token's entry
    String tampered = genuine.substring(0, genuine.length() - 2) + (genuine.endsWith("AA") ? "BB" : "AA");
    assertThat(failure(jwt.verify(tampered)).code()).isEqualTo("unauthorized");
  }

  @Test
  void aTokenWithAnUnknownRoleIsRefused() {
    JwtService jwt = new JwtService(VERTX, SECRET, 60);
    assertThat(failure(jwt.verify(token(SECRET, 600, "superuser"))).code()).isEqualTo("unauthorized");
  }
}
