package com.livechat.chat;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Whether a visitor asks for a person: one of the configured phrases, as whole words, any case. */
public final class HandoffPhrases {

  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private final List<String> phrases;

  public HandoffPhrases(List<String> phrases) {
    this.phrases = phrases.stream().map(HandoffPhrases::normalise).filter(p -> !p.isBlank()).toList();
  }

  public boolean asksForHuman(String message) {
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
