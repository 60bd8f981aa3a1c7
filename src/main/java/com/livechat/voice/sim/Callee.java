package com.livechat.voice.sim;

import java.util.List;
import java.util.Objects;

/**
 * Who answers an outbound call to one number ({@link FakeCarrier#callee}): how the call goes at the
 * carrier, and what a person says once it is answered.
 *
 * @param kind how the call goes
 * @param lines what a {@link Kind#HUMAN} says, in order: each one final prompt on the relay (or one
 *     {@code <Gather>} turn), each waiting for the reply; after the last the callee hangs up
 * @param ringMs how long the phone rings before it is answered ({@code HUMAN}, {@code MACHINE}),
 *     before the carrier gives up ({@code NO_ANSWER}), or before the busy signal ({@code BUSY});
 *     the request's {@code Timeout} cuts it short (then {@code no-answer})
 */
public record Callee(Kind kind, List<String> lines, long ringMs) {

  public enum Kind {
    /** Answers and talks: the {@code lines}, then hangs up. */
    HUMAN,
    /** {@code busy}, after ringing. */
    BUSY,
    /** Rings until {@code ringMs} (or the request's Timeout), then {@code no-answer}. */
    NO_ANSWER,
    /** An answering machine: answered, says nothing, records what it is told, hangs up. */
    MACHINE,
    /** Accepted by the REST API, then {@code failed} (an unreachable destination). */
    FAILED,
    /** Refused by the REST API: 400, code 21211; no call exists. */
    INVALID
  }

  public static final long DEFAULT_RING_MS = 50;

  /** What unknown numbers get: a person who says "Hello?" and hangs up after the reply. */
  public static final Callee DEFAULT = human("Hello?");

  public Callee {
    Objects.requireNonNull(kind, "kind");
    lines = List.copyOf(lines);
    if (ringMs < 0) {
      throw new IllegalArgumentException("ringMs must not be negative: " + ringMs);
    }
  }

  public static Callee human(String... lines) {
    return new Callee(Kind.HUMAN, List.of(lines), DEFAULT_RING_MS);
  }

  public static Callee human(List<String> lines) {
    return new Callee(Kind.HUMAN, lines, DEFAULT_RING_MS);
  }

  public static Callee busy() {
    return new Callee(Kind.BUSY, List.of(), DEFAULT_RING_MS);
  }

  public static Callee noAnswer() {
    return new Callee(Kind.NO_ANSWER, List.of(), DEFAULT_RING_MS);
  }

  public static Callee machine() {
    return new Callee(Kind.MACHINE, List.of(), DEFAULT_RING_MS);
  }

  public static Callee failed() {
    return new Callee(Kind.FAILED, List.of(), DEFAULT_RING_MS);
  }

  public static Callee invalid() {
    return new Callee(Kind.INVALID, List.of(), DEFAULT_RING_MS);
  }

  public Callee withRingMs(long ms) {
    return new Callee(kind, lines, ms);
  }

  public Callee withLines(String... lines) {
    return new Callee(kind, List.of(lines), ringMs);
  }
}
