package com.livechat.voice;

/**
 * Cuts a reply streamed in arbitrary pieces into what the carrier's text-to-speech gets at once:
 * whole sentences (it speaks a sentence with better intonation than a fragment), or, for a long
 * sentence, what comes before its last space once it passes {@link #MAX_CHARS}.
 */
final class SpokenChunks {

  static final int MAX_CHARS = 160;

  private final StringBuilder pending = new StringBuilder();

  /** Adds a piece of the reply; returns the text ready to be spoken, or "" while a sentence is unfinished. */
  String add(String piece) {
    pending.append(piece);
    int end = lastSentenceEnd();
    if (end < 0 && pending.length() > MAX_CHARS) {
      int space = pending.lastIndexOf(" ");
      end = space > 0 ? space + 1 : pending.length();
    }
    if (end <= 0) {
      return "";
    }
    String ready = pending.substring(0, end);
    pending.delete(0, end);
    return ready;
  }

  /** Everything not given out yet (the end of the reply). */
  String rest() {
    String rest = pending.toString();
    pending.setLength(0);
    return rest;
  }

  void clear() {
    pending.setLength(0);
  }

  /**
   * The index just past the whitespace that follows the last sentence end ({@code . ! ? ; :} or a
   * newline, with closing quotes or brackets), or -1: "3.5" or "e.g." inside a word does not end one.
   */
  private int lastSentenceEnd() {
    for (int i = pending.length() - 2; i >= 0; i--) {
      char c = pending.charAt(i);
      if (c == '\n') {
        return i + 1;
      }
      if (!Character.isWhitespace(pending.charAt(i + 1))) {
        continue;
      }
      int j = i;
      while (j > 0 && "\"')]”’".indexOf(pending.charAt(j)) >= 0) {
        j--;
      }
      char end = pending.charAt(j);
      if (end == '.' || end == '!' || end == '?' || end == ';' || end == ':' || end == '…') {
        return i + 2;
      }
    }
    return -1;
  }
}
