package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.conversation.LeadFields;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ContactExtractorTest {

  private final ContactExtractor extractor = new ContactExtractor("US");

  @Test
  void findsAnEmailAddress() {
    assertThat(extractor.fromMessage("write to Ann.Lee+sales@Example.co.uk please").getString("email"))
        .isEqualTo("ann.lee+sales@example.co.uk");
    assertThat(extractor.fromMessage("my handle is @ann and the site is example.com").containsKey("email")).isFalse();
  }

  @Test
  void normalisesPhoneNumbersToE164() {
    assertThat(extractor.fromMessage("call me at (416) 555-0199").getString("phone")).isEqualTo("+14165550199");
    assertThat(extractor.fromMessage("my number: +44 20 7946 0958").getString("phone")).isEqualTo("+442079460958");
    assertThat(extractor.fromMessage("416.555.0199 after 5").getString("phone")).isEqualTo("+14165550199");
    // order numbers, years and prices are not phone numbers
    assertThat(extractor.fromMessage("order 12345 from 2024 cost $1,299.00").containsKey("phone")).isFalse();
    assertThat(new ContactExtractor("GB").fromMessage("ring 020 7946 0958").getString("phone"))
        .isEqualTo("+442079460958");
  }

  @Test
  void findsANameGivenInSoManyWords() {
    assertThat(extractor.fromMessage("Hi, my name is ann lee and I need a quote").getString("name")).isEqualTo("Ann Lee");
    assertThat(extractor.fromMessage("This is Bob from Acme").getString("name")).isEqualTo("Bob");
    assertThat(extractor.fromMessage("Call me José").getString("name")).isEqualTo("José");
    assertThat(extractor.fromMessage("What is the name of your CEO?").containsKey("name")).isFalse();
  }

  @Test
  void cleansWhatAModelSends() {
    JsonObject sent = new JsonObject().put("name", "  Ann  ").put("email", "not an email").put("phone", "416 555 0199")
        .put("budget", 5000).put("need", "a\nnew   website").put("favouriteColour", "blue")
        .put("timeline", "x".repeat(500));
    JsonObject clean = extractor.clean(sent);
    assertThat(clean.getMap()).containsOnlyKeys("name", "phone", "need", "timeline");
    assertThat(clean.getString("name")).isEqualTo("Ann");
    assertThat(clean.getString("phone")).isEqualTo("+14165550199");
    assertThat(clean.getString("need")).isEqualTo("a new website");
    assertThat(clean.getString("timeline")).hasSize(LeadFields.MAX_STORED_CHARS);
    assertThat(extractor.clean(null)).isEmpty();
  }

  @Test
  void blanksOutTheDetailsOfAMessage() {
    assertThat(ContactExtractor.withoutContactDetails("my name is Ann, ann@example.com, 416-555-0199").strip())
        .isEqualTo(",  ,");
  }
}
