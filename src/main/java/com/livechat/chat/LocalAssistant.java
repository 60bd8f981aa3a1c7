package com.livechat.chat;

import com.livechat.chat.provider.AiProvider;
import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The embedded assistant: works offline and deterministically. It greets back, answers with the
 * sentence of its instructions that best matches the question, and says plainly that it will
 * pass the question on when nothing it knows is relevant.
 */
public final class LocalAssistant implements AiProvider {

  public static final String MODEL = "local-assistant";

  static final String NO_ANSWER = "I don't have information about that yet. I'll pass your question on to "
      + "the team, and someone will get back to you.";

  private static final Pattern WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
  private static final Pattern SENTENCE = Pattern.compile("(?<=[.!?])\\s+|\\n+");
  private static final Set<String> GREETINGS = Set.of("hi", "hello", "hey", "hiya", "howdy", "greetings",
      "morning", "afternoon", "evening", "bonjour", "hola", "hallo");
  private static final Set<String> DIRECTIVE_OPENERS = Set.of("you", "youre", "your", "always", "never",
      "answer", "be", "do", "dont", "don", "when", "if", "offer", "respond", "reply", "keep", "use", "avoid",
      "act", "speak", "greet", "ask");
  private static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "and", "or", "but", "if", "of", "to",
      "in", "on", "at", "by", "for", "with", "about", "from", "as", "is", "are", "was", "were", "be", "been",
      "am", "do", "does", "did", "can", "could", "would", "should", "will", "shall", "may", "might", "must",
      "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "this",
      "that", "these", "those", "what", "which", "who", "whom", "how", "when", "where", "why", "there", "here",
      "have", "has", "had", "not", "no", "yes", "so", "than", "then", "too", "very", "just", "any", "some",
      "need", "want", "like", "please", "help", "tell", "know", "get", "hi", "hello", "hey", "thanks", "thank",
      "us", "also", "all", "more", "most", "into", "out", "up", "down", "over", "under", "again", "im", "ive",
      "assistant", "visitor", "visitors", "question", "questions", "answer", "friendly", "team", "you're");

  @Override
  public Future<AiReply> complete(AiRequest request) {
    String answer = answer(request);
    int tokens = estimateTokens(request.instructions()) + estimateTokens(request.userMessage())
        + estimateTokens(answer);
    return Future.succeededFuture(new AiReply(answer, MODEL, tokens));
  }

  String answer(AiRequest request) {
    Set<String> asked = contentWords(request.userMessage());
    if (asked.isEmpty() && isGreeting(request.userMessage())) {
      String greeting = request.greeting();
      return greeting == null || greeting.isBlank() ? "Hello! How can I help you today?" : greeting;
    }
    // the assistant's own name (usually the company's) says nothing about what was asked
    asked.removeAll(contentWords(request.assistantName() == null ? "" : request.assistantName()));
    String best = null;
    int bestScore = 0;
    for (String sentence : sentences(request.instructions())) {
      if (isDirectiveToAssistant(sentence)) {
        continue;
      }
      int score = overlap(asked, contentWords(sentence));
      if (score > bestScore) {
        best = sentence;
        bestScore = score;
      }
    }
    return best != null ? best : NO_ANSWER;
  }

  /**
   * Instructions mix facts ("We are open 9 to 5.") with directions to the assistant ("You are
   * friendly.", "Answer briefly."); only facts are fit to be said to a visitor.
   */
  private static boolean isDirectiveToAssistant(String sentence) {
    String first = WORD.split(sentence.strip().toLowerCase(Locale.ROOT), 2)[0];
    return DIRECTIVE_OPENERS.contains(first);
  }

  private static boolean isGreeting(String message) {
    for (String w : WORD.split(message.toLowerCase(Locale.ROOT))) {
      if (GREETINGS.contains(w)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> sentences(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String s : SENTENCE.split(text)) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  private static Set<String> contentWords(String text) {
    Set<String> words = new HashSet<>();
    for (String w : WORD.split(text.toLowerCase(Locale.ROOT))) {
      if (w.length() > 1 && !STOP_WORDS.contains(w) && !GREETINGS.contains(w)) {
        words.add(stem(w));
      }
    }
    return words;
  }

  /** Crude plural/verb folding so that "prices" meets "price" and "opening" meets "open". */
  private static String stem(String w) {
    if (w.length() > 5 && w.endsWith("ing")) {
      return w.substring(0, w.length() - 3);
    }
    if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
      return w.substring(0, w.length() - 1);
    }
    return w;
  }

  private static int overlap(Set<String> a, Set<String> b) {
    int n = 0;
    for (String w : a) {
      if (b.contains(w)) {
        n++;
      }
    }
    return n;
  }

  /** About four characters a token, the usual rule of thumb for English. */
  static int estimateTokens(String text) {
    return text == null || text.isEmpty() ? 0 : (text.length() + 3) / 4;
  }
}
