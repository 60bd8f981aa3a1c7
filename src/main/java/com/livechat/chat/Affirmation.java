package com.livechat.chat;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Whether a short message says yes ("yes", "yes please", "ok", "sure, go ahead"), and nothing else. */
final class Affirmation {

  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
  private static final Set<String> YES = Set.of("yes", "yeah", "yep", "yup", "yea", "sure", "ok", "okay", "please",
      "connect", "alright", "absolutely", "definitely", "y");
  // words that may come with a yes without changing it
  private static final Set<String> FILLER = Set.of("do", "go", "ahead", "me", "thanks", "thank", "you", "that", "would",
      "be", "great", "good", "fine", "oh", "well", "then", "a", "person", "someone", "with", "to", "them", "it", "i",
      "like", "love", "id", "want", "na", "please");

  private Affirmation() {}

  static boolean saidIn(String message) {
    String folded = Normalizer.normalize(message, Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
        .replace("'", "").replace("\u2019", "").toLowerCase(Locale.ROOT);
    String[] words = NOT_WORD.matcher(folded).replaceAll(" ").trim().split(" ");
    if (words.length == 0 || words.length > 8) {
      return false;
    }
    boolean yes = false;
    for (String w : words) {
      if (YES.contains(w)) {
        yes = true;
      } else if (!FILLER.contains(w)) {
        return false;
      }
    }
    return yes;
  }
}
