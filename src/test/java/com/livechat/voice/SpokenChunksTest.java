package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A streamed reply cut into what text-to-speech gets at once: whole sentences, or long runs at a space. */
class SpokenChunksTest {

  private static List<String> chunks(String... pieces) {
    SpokenChunks chunks = new SpokenChunks();
    List<String> out = new ArrayList<>();
    for (String piece : pieces) {
      String ready = chunks.add(piece);
      if (!ready.isEmpty()) {
        out.add(ready);
      }
    }
    out.add("rest:" + chunks.rest());
    return out;
  }

  @Test
  void aSentenceGoesOutWhenItEndsWhateverThePiecesAre() {
    assertThat(chunks("We are ", "open", " today.", " Come by", "! Any ", "time?")).containsExactly(
        "We are open today. ", "Come by! ", "rest:Any time?");
  }

  @Test
  void aDotInsideANumberOrWordDoesNotEndASentence() {
    assertThat(chunks("It costs 3.5 dollars, e.g.", "for a month")).containsExactly(
        "rest:It costs 3.5 dollars, e.g.for a month");
    assertThat(chunks("Really?\" she said. ", "Yes")).containsExactly("Really?\" she said. ", "rest:Yes");
  }

  @Test
  void aLongSentenceIsCutAtItsLastSpace() {
    String[] pieces = new String[41];
    java.util.Arrays.fill(pieces, "word ");
    pieces[40] = "end";
    List<String> out = chunks(pieces);
    // streamed a word at a time: out once past the limit, at a word's end
    assertThat(out.get(0)).hasSize(SpokenChunks.MAX_CHARS + 5).endsWith(" ");
    assertThat(String.join("", out).replace("rest:", "")).isEqualTo("word ".repeat(40) + "end");
  }

  @Test
  void aNewLineEndsAChunk() {
    assertThat(chunks("First line\nSecond")).containsExactly("First line\n", "rest:Second");
  }
}
