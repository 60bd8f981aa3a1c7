package com.livechat.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt (salted, deliberately slow), always on a worker thread. Passwords longer than bcrypt's
 * 72 bytes are pre-hashed with SHA-512 so that every character counts.
 */
public final class PasswordHasher {

  private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;

  private final Vertx vertx;
  private final int cost;
  private final BCrypt.Hasher hasher;
  private final BCrypt.Verifyer verifier;
  private final String dummyHash;

  public PasswordHasher(Vertx vertx, int cost) {
    this.vertx = vertx;
    this.cost = cost;
    this.hasher = BCrypt.with(VERSION, LongPasswordStrategies.hashSha512(VERSION));
    this.verifier = BCrypt.verifyer(VERSION, LongPasswordStrategies.hashSha512(VERSION));
    this.dummyHash = hasher.hashToString(cost, "not-a-real-password".toCharArray());
  }

  public Future<String> hash(String password) {
    return vertx.executeBlocking(() -> hasher.hashToString(cost, password.toCharArray()), false);
  }

  /** @param hash null when the account does not exist: a dummy check keeps the timing alike */
  public Future<Boolean> verify(String password, String hash) {
    String against = hash == null ? dummyHash : hash;
    return vertx.executeBlocking(() -> verifier.verify(password.getBytes(StandardCharsets.UTF_8),
        against.getBytes(StandardCharsets.UTF_8)).verified && hash != null, false);
  }
}
