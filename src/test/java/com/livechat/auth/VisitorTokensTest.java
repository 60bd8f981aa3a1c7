package com.livechat.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Visitor tokens: what they carry, how long they live, and that no other token passes for one. */
class VisitorTokensTest {

  private static final String SECRET = "visitor-tokens-test-secret-0123456789abcdef";
  private static final Vertx VERTX = Vertx.vertx();

  @AfterAll
  static void close() {
    VERTX.close().await();
  }

  private static AppError failure(Future<?> verification) {
    try {
      verification.await();
    } catch (AppError e) {
      return e;
    }
    throw new AssertionError("verification should have failed");
  }

  @Test
  void aTokenCarriesItsTenantSessionAndUserForItsLifetime() {
    VisitorTokens tokens = new VisitorTokens(VERTX, SECRET, 60);
    JsonObject user = new JsonObject().put("name", "Ann").put("email", "ann@example.com");
    VisitorTokens.Issued issued = tokens.issue("tnt-1", "sess-1", user);
    assertThat(issued.token()).startsWith(VisitorTokens.PREFIX);
    assertThat(Duration.between(Instant.now(), issued.expiresAt())).isBetween(Duration.ofMinutes(59),
        Duration.ofMinutes(60));
    VisitorTokens.Visitor visitor = tokens.verify(issued.token()).await();
    assertThat(visitor.tenantId()).isEqualTo("tnt-1");
    assertThat(visitor.sessionId()).isEqualTo("sess-1");
    assertThat(visitor.user()).isEqualTo(user);
    assertThat(visitor.expiresAtMillis()).isEqualTo(issued.expiresAt().toEpochMilli());
    // verified again from the cache, the same
    assertThat(tokens.verify(issued.token()).await()).isEqualTo(visitor);
  }

  @Test
  void anotherSecretsOrADashboardTokenIsRefused() {
    VisitorTokens tokens = new VisitorTokens(VERTX, SECRET, 60);
    String foreign = new VisitorTokens(VERTX, SECRET + "-other", 60).issue("tnt-1", "s", new JsonObject()).token();
    assertThat(failure(tokens.verify(foreign)).code()).isEqualTo("invalid_widget_token");
    String dashboard = new JwtService(VERTX, SECRET, 60).issue("usr-1", "tnt-1", "owner");
    assertThat(failure(tokens.verify(VisitorTokens.PREFIX + dashboard)).code()).isEqualTo("invalid_widget_token");
    assertThat(failure(tokens.verify(dashboard)).code()).isEqualTo("invalid_widget_token");
    assertThat(failure(tokens.verify(null)).code()).isEqualTo("invalid_widget_token");
    assertThat(failure(tokens.verify(VisitorTokens.PREFIX + "x".repeat(VisitorTokens.MAX_LENGTH))).kind())
        .isEqualTo(AppError.Kind.UNAUTHORIZED);
    // and the other way round
    String visitor = tokens.issue("tnt-1", "s", new JsonObject()).token();
    JwtService jwt = new JwtService(VERTX, SECRET, 60);
    assertThat(failure(jwt.verify(visitor)).code()).isEqualTo("unauthorized");
    assertThat(failure(jwt.verify(visitor.substring(VisitorTokens.PREFIX.length()))).code()).isEqualTo("unauthorized");
  }

  @Test
  void onlyVtPrefixedCredentialsAreVisitorTokens() {
    assertThat(VisitorTokens.isVisitorToken("vt_abc")).isTrue();
    assertThat(VisitorTokens.isVisitorToken("wt_abc")).isFalse();
    assertThat(VisitorTokens.isVisitorToken("eyJhbGciOi")).isFalse();
    assertThat(VisitorTokens.isVisitorToken(null)).isFalse();
  }
}
