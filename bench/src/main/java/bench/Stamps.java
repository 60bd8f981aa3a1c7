package bench;

/**
 * Tokens stamped by the fake provider ({@code BareServer --stamp true}): {@code
 * tok<n>:<request arrived>:<token written>}, System.nanoTime() (CLOCK_MONOTONIC: one clock for every
 * process on Linux), so that a generator can split a wait into the way to the provider and each
 * token's way back.
 */
final class Stamps {

  private Stamps() {}

  /**
   * {arrived, written} of a text that is one stamped token, trailing white space aside ({@code
   * tok<n>:<arrived>:<written> }: a streamed delta), else null.
   */
  static long[] of(String text) {
    int b = secondColon(text);
    if (b < 0) {
      return null;
    }
    try {
      return new long[] {Long.parseLong(text, text.indexOf(':') + 1, b, 10),
          Long.parseLong(text.strip(), b + 1, text.strip().length(), 10)};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * {n, arrived, written} of a text that starts with a stamped token ({@code tok1:<arrived>:<written>. }:
   * a whole sentence, as a relay speaks it), else null.
   */
  static long[] leading(String text) {
    int b = text == null || !text.startsWith("tok") ? -1 : secondColon(text);
    if (b < 0) {
      return null;
    }
    int a = text.indexOf(':');
    int e = b + 1;
    while (e < text.length() && Character.isDigit(text.charAt(e))) {
      e++;
    }
    try {
      return new long[] {Long.parseLong(text, 3, a, 10), Long.parseLong(text, a + 1, b, 10), Long.parseLong(text, b + 1, e, 10)};
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  /** The index of the second ':' of text, or -1. */
  private static int secondColon(String text) {
    if (text == null) {
      return -1;
    }
    int a = text.indexOf(':');
    return a < 0 ? -1 : text.indexOf(':', a + 1);
  }
}
