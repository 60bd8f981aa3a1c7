package com.livechat.chat;

import com.livechat.chat.provider.AiProvider;
import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.ReplyStream;
import com.livechat.chat.provider.KnowledgePassage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The embedded assistant: works offline and deterministically. It greets back, answers with the
 * best-matching passage of the knowledge entries it is given (ranked by PostgreSQL full-text
 * search), else with the sentence of its instructions that best matches the question, and says
 * plainly that it does not know when nothing it knows is relevant — a reply marked as needing a
 * person, after which the chat engine offers one, or a follow-up (ChatService).
 */
public final class LocalAssistant implements AiProvider {

  public static final String MODEL = "local-assistant";

  /** Said plainly; the chat engine adds what happens next (an offer of a person, a follow-up). */
  static final String NO_ANSWER = "I'm sorry, I don't have information about that.";

  static final String THANKS = "You're welcome! Is there anything else I can help you with?";
  /** What people say around the details they give: "my email is …", "reach me on my mobile …". */
  private static final Set<String> CONTACT_WORDS = Set.of("email", "mail", "phone", "number", "name", "call", "reach",
      "contact", "address", "mobile", "cell", "telephone", "tel", "on", "at", "via");
  private static final Set<String> CONTACT_STEMS = CONTACT_WORDS.stream().map(RelatedWords::stem)
      .collect(java.util.stream.Collectors.toSet());
  static final String NOTED = "Thank you, I've noted your details. How else can I help you?";
  static final String TELL_ME_MORE = "Could you tell me a little more about what you are looking for?";

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
      "that", "these", "those", "what", "which", "who", "whom", "how", "when", "why", "there", "here",
      "have", "has", "had", "not", "no", "yes", "so", "than", "then", "too", "very", "just", "any", "some",
      "need", "want", "like", "please", "help", "tell", "know", "get", "hi", "hello", "hey", "thanks", "thank",
      "us", "also", "all", "more", "most", "into", "out", "up", "down", "over", "under", "again", "im", "ive",
      "assistant", "visitor", "visitors", "question", "questions", "answer", "friendly", "team", "you're",
      "ok", "okay", "sure", "great", "cool", "fine", "alright", "perfect", "awesome", "nice", "bye", "goodbye");

  /** A passage longer than this is cut at a sentence end (or here) when quoted to a visitor. */
  static final int PASSAGE_MAX_CHARS = 600;

  private static final Pattern PARAGRAPH = Pattern.compile("\\n\\s*\\n");

  @Override
  public Future<AiReply> complete(AiRequest request, ReplyStream stream) {
    Answer answer = answer(request);
    int tokens = estimateTokens(request.instructions()) + estimateTokens(request.userMessage())
        + estimateTokens(answer.text());
    return Future.succeededFuture(new AiReply(answer.text(), MODEL, tokens, new JsonObject(),
        answer.text().equals(NO_ANSWER), answer.source() == null ? List.of() : List.of(answer.source())));
  }

  /** @param source the knowledge entry the answer quotes, or null */
  record Answer(String text, KnowledgePassage source) {}

  Answer answer(AiRequest request) {
    Set<String> asked = contentWords(request.userMessage());
    if (asked.isEmpty() && isGreeting(request.userMessage())) {
      String greeting = request.greeting();
      return new Answer(greeting == null || greeting.isBlank() ? "Hello! How can I help you today?" : greeting, null);
    }
    String question = ContactExtractor.withoutContactDetails(request.userMessage());
    if (!question.equals(request.userMessage())) {
      // "my name is Ann, ann@example.com": the details are the message (they are stored with the conversation)
      asked = contentWords(question);
      asked.removeAll(CONTACT_STEMS);
      if (asked.isEmpty()) {
        return new Answer(NOTED, null);
      }
    }
    if (asked.isEmpty()) {
      // "thanks", "ok", "yes please": nothing to look up, and nothing to hand over
      return new Answer(request.userMessage().toLowerCase(Locale.ROOT).contains("thank") ? THANKS : TELL_ME_MORE, null);
    }
    // the assistant's own name (usually the company's) says nothing about what was asked
    asked.removeAll(contentWords(request.assistantName() == null ? "" : request.assistantName()));
    Answer fromKnowledge = fromKnowledge(asked, request.knowledge(), question);
    if (fromKnowledge != null) {
      return fromKnowledge;
    }
    return new Answer(fromInstructions(asked, request.instructions()), null);
  }

  /**
   * The best paragraph of the entries, which come best first. A question word is covered by a
   * paragraph that has it or one of its {@link RelatedWords} ("Sunday" by "Monday to Saturday"). It
   * "matches well" when it covers at least two of the question's content words, or all of them when
   * the question has only one or two — so a single incidental word in a long question is not taken
   * for an answer. In a short question (up to three words) a word the entry's title covers counts
   * twice: the title says what the entry is about ("Can I call you?" is about "Contact").
   */
  private static Answer fromKnowledge(Set<String> asked, List<KnowledgePassage> passages, String question) {
    if (asked.isEmpty() || passages == null) {
      return null;
    }
    int needed = Math.min(2, asked.size());
    Answer best = null;
    int bestScore = 0;
    int bestDirect = 0;
    for (KnowledgePassage passage : passages) {
      Set<String> titleWords = contentWords(passage.title());
      boolean titleCounts = asked.size() <= 3 && asked.stream().anyMatch(w -> covers(titleWords, w));
      for (String paragraph : PARAGRAPH.split(passage.content())) {
        if (paragraph.isBlank()) {
          continue;
        }
        Set<String> words = contentWords(paragraph);
        words.addAll(titleWords);
        int score = 0;
        int direct = 0;
        for (String w : asked) {
          if (words.contains(w)) {
            direct++;
            score++;
          } else if (covers(words, w)) {
            score++;
          }
        }
        if (score > 0 && titleCounts) {
          score++;
        }
        // the more words covered, then the more said in the question's own words; else the search's order
        if (score >= needed && (score > bestScore || score == bestScore && direct > bestDirect)) {
          best = new Answer(withDaysNotListed(quote(paragraph.strip()), question), passage);
          bestScore = score;
          bestDirect = direct;
        }
      }
    }
    return best;
  }

  private static boolean covers(Set<String> words, String asked) {
    if (words.contains(asked)) {
      return true;
    }
    for (String kin : RelatedWords.kinOfStem(asked)) {
      if (words.contains(kin)) {
        return true;
      }
    }
    return false;
  }

  /**
   * "Are you open on Sunday?" answered with "We are open Monday to Saturday": the passage is right,
   * and says nothing of Sunday; the visitor is told so rather than left to infer it.
   */
  private static String withDaysNotListed(String passage, String question) {
    Set<String> listed = RelatedWords.daysNamed(passage);
    if (listed.isEmpty()) {
      return passage;
    }
    List<String> missing = RelatedWords.daysNamed(question).stream().filter(d -> !listed.contains(d)).sorted().toList();
    if (missing.isEmpty()) {
      return passage;
    }
    List<String> names = missing.stream().map(d -> Character.toUpperCase(d.charAt(0)) + d.substring(1)).toList();
    return passage + " " + String.join(" and ", names) + (names.size() == 1 ? " is" : " are")
        + " not among the days listed.";
  }

  private static String quote(String paragraph) {
    if (paragraph.length() <= PASSAGE_MAX_CHARS) {
      return paragraph;
    }
    String cut = paragraph.substring(0, PASSAGE_MAX_CHARS);
    int end = Math.max(cut.lastIndexOf(". "), Math.max(cut.lastIndexOf("! "), cut.lastIndexOf("? ")));
    return end > PASSAGE_MAX_CHARS / 3 ? cut.substring(0, end + 1) : cut.strip() + "…";
  }

  private static String fromInstructions(Set<String> asked, String instructions) {
    String best = null;
    int bestScore = 0;
    for (String sentence : sentences(instructions)) {
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
        words.add(RelatedWords.stem(w));
      }
    }
    return words;
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
