package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalAssistantTest {

  private static final String INSTRUCTIONS = "You are the friendly assistant of Acme. "
      + "Our prices start at 10 dollars a month for the basic plan. "
      + "Support is open Monday to Friday, 9am to 5pm. "
      + "Always answer briefly.";

  private final LocalAssistant assistant = new LocalAssistant();

  private static final List<KnowledgePassage> KNOWLEDGE = List.of(
      new KnowledgePassage("doc-1", "Shipping", "We ship to Canada and the United States within 3 days.\n\n"
          + "Returns are free for 30 days after delivery."),
      new KnowledgePassage("doc-2", "Opening hours", "The Toronto store opens at 10am on Saturdays."));

  private AiReply ask(String message) {
    return ask(message, List.of());
  }

  private AiReply ask(String message, List<KnowledgePassage> knowledge) {
    return assistant.complete(new AiRequest("Acme Assistant", INSTRUCTIONS, "Hi! Welcome to Acme.", "", 0.7, 512,
        List.of(), message, knowledge)).result();
  }

  @Test
  void greetsBackWithTheAssistantsGreeting() {
    assertThat(ask("Hello!").content()).isEqualTo("Hi! Welcome to Acme.");
  }

  @Test
  void answersWithTheMatchingPartOfItsInstructions() {
    assertThat(ask("What are your prices?").content()).contains("10 dollars");
    assertThat(ask("When is support open?").content()).contains("Monday to Friday");
  }

  @Test
  void answersWithTheBestMatchingPassageOfItsKnowledgeAndNamesIt() {
    AiReply reply = ask("Are returns free?", KNOWLEDGE);
    assertThat(reply.content()).isEqualTo("Returns are free for 30 days after delivery.");
    assertThat(reply.sources()).extracting(KnowledgePassage::id).containsExactly("doc-1");
    assertThat(reply.handoff()).isFalse();

    AiReply hours = ask("When does the Toronto store open on Saturday?", KNOWLEDGE);
    assertThat(hours.content()).isEqualTo("The Toronto store opens at 10am on Saturdays.");
    assertThat(hours.sources()).extracting(KnowledgePassage::title).containsExactly("Opening hours");
  }

  @Test
  void aQuestionSharingTheKeyWordsOfAnEntryReachesItAndIsToldWhatItDoesNotList() {
    List<KnowledgePassage> hours = List.of(new KnowledgePassage("doc-h", "Opening hours",
        "We are open Monday to Saturday, 9 to 18."));
    AiReply sunday = ask("Are you open on Sunday?", hours);
    assertThat(sunday.content()).isEqualTo("We are open Monday to Saturday, 9 to 18. Sunday is not among the days listed.");
    assertThat(sunday.sources()).extracting(KnowledgePassage::id).containsExactly("doc-h");
    assertThat(sunday.handoff()).isFalse();
    // a day inside the range is listed
    assertThat(ask("Are you open on Wednesday?", hours).content()).isEqualTo("We are open Monday to Saturday, 9 to 18.");
  }

  @Test
  void aSingleIncidentalWordIsNotAnAnswer() {
    // "Canada" alone matches the shipping entry, but the question is about something else
    AiReply reply = ask("Is your Canada office hiring engineers?", KNOWLEDGE);
    assertThat(reply.content()).isEqualTo(LocalAssistant.NO_ANSWER);
    assertThat(reply.handoff()).isTrue();
    assertThat(reply.sources()).isEmpty();
  }

  @Test
  void contactDetailsAreAcknowledgedNotHandedOver() {
    for (String message : new String[] {"Hi, my name is Ann Lee", "ann@example.com is my email",
        "You can reach me on +1 416 555 0199", "my name is Ann, my email is ann@example.com"}) {
      AiReply reply = ask(message);
      assertThat(reply.content()).as(message).isEqualTo(LocalAssistant.NOTED);
      assertThat(reply.handoff()).as(message).isFalse();
    }
    // details with a question: the question is answered
    assertThat(ask("I'm at ann@example.com, what are your prices?").content()).contains("10 dollars");
  }

  @Test
  void smallTalkIsAnsweredWithoutHandingOver() {
    assertThat(ask("Thanks!").content()).isEqualTo(LocalAssistant.THANKS);
    assertThat(ask("ok").content()).isEqualTo(LocalAssistant.TELL_ME_MORE);
    assertThat(ask("ok").handoff()).isFalse();
  }

  @Test
  void isHonestWhenNothingRelevantIsKnownAndAsksForAPerson() {
    assertThat(ask("Do you ship to Mars?").handoff()).isTrue();
    assertThat(ask("What are your prices?").handoff()).isFalse();
    assertThat(ask("Do you ship to Mars?").content()).isEqualTo(LocalAssistant.NO_ANSWER);
    // the company's own name, and directions meant for the assistant, are not answers
    assertThat(ask("Tell me about Acme").content()).isEqualTo(LocalAssistant.NO_ANSWER);
    assertThat(ask("Can you answer briefly?").content()).isEqualTo(LocalAssistant.NO_ANSWER);
  }

  @Test
  void isDeterministicAndReportsItsModelAndTokens() {
    AiReply first = ask("What are your prices?");
    AiReply second = ask("What are your prices?");
    assertThat(first).isEqualTo(second);
    assertThat(first.model()).isEqualTo(LocalAssistant.MODEL);
    assertThat(first.tokens()).isPositive();
  }
}
