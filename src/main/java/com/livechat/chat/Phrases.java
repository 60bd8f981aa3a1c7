package com.livechat.chat;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a message says one of a list of phrases (asking for a person; asking not to be called
 * again), as whole words, in any case, with accents and punctuation ignored.
 */
public final class Phrases {

  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private final List<String> phrases;

  public Phrases(List<String> phrases) {
    this.phrases = phrases.stream().map(Phrases::normalise).filter(p -> !p.isBlank()).toList();
  }

  public boolean saidIn(String message) {
    String text = normalise(message);
    for (String phrase : phrases) {
      if (text.contains(phrase)) {
        return true;
      }
    }
    return false;
  }

  /** Lower case, accents and punctuation gone, one space between words and around the text. */
  private static String normalise(String text) {
    String folded = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
        .replace("'", "").replace("\u2019", "").toLowerCase(Locale.ROOT);
    return " " + NOT_WORD.matcher(folded).replaceAll(" ").trim() + " ";
  }
}
