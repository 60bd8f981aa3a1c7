package com.livechat.support;

import java.util.function.BooleanSupplier;

/** Polls a condition until it holds, or fails the test after a bound. */
public final class Wait {

  private Wait() {}

  /** Every 20 ms until {@code done} holds; an AssertionError naming {@code what} after {@code millis}. */
  public static void until(String what, long millis, BooleanSupplier done) {
    long deadline = System.currentTimeMillis() + millis;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
