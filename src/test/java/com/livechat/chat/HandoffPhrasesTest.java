package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HandoffPhrasesTest {

  private final HandoffPhrases phrases = new HandoffPhrases(List.of("human", "real person", "talk to someone"));

  @Test
  void matchesWholeWordsInAnyCaseAndPunctuation() {
    assertThat(phrases.asksForHuman("Can I talk to a HUMAN?")).isTrue();
    assertThat(phrases.asksForHuman("I want a real-person, now!")).isTrue();
    assertThat(phrases.asksForHuman("I'd like to talk   to someone")).isTrue();
  }

  @Test
  void doesNotMatchInsideOtherWords() {
    assertThat(phrases.asksForHuman("Do you sell humanoid robots?")).isFalse();
    assertThat(phrases.asksForHuman("What are your prices?")).isFalse();
    assertThat(new HandoffPhrases(List.of()).asksForHuman("human")).isFalse();
  }
}
