package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalAssistantTest {

  private static final String INSTRUCTIONS = "You are the friendly assistant of Acme. "
      + "Our prices start at 10 dollars a month for the basic plan. "
      + "Support is open Monday to Friday, 9am to 5pm. "
      + "Always answer briefly.";

  private final LocalAssistant assistant = new LocalAssistant();

  private AiReply ask(String message) {
    return assistant.complete(new AiRequest("Acme Assistant", INSTRUCTIONS, "Hi! Welcome to Acme.", "", 0.7, 512,
        List.of(), message)).result();
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
  void isHonestWhenNothingRelevantIsKnown() {
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
