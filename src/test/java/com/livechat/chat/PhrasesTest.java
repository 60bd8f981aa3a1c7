package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhrasesTest {

  private final Phrases phrases = new Phrases(List.of("human", "real person", "talk to someone"));

  @Test
  void matchesWholeWordsInAnyCaseAndPunctuation() {
    assertThat(phrases.saidIn("Can I talk to a HUMAN?")).isTrue();
    assertThat(phrases.saidIn("I want a real-person, now!")).isTrue();
    assertThat(phrases.saidIn("I'd like to talk   to someone")).isTrue();
  }

  @Test
  void doesNotMatchInsideOtherWords() {
    assertThat(phrases.saidIn("Do you sell humanoid robots?")).isFalse();
    assertThat(phrases.saidIn("What are your prices?")).isFalse();
    assertThat(new Phrases(List.of()).saidIn("human")).isFalse();
  }
}
