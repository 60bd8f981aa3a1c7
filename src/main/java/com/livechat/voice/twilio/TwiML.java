package com.livechat.voice.twilio;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A TwiML answer, built verb by verb: {@code TwiML.response().say(...).hangup().toXml()}.
 *
 * <p>Values come from assistants' greetings, AI replies and callers' numbers, so they are never
 * pasted into markup: the JDK's XMLStreamWriter escapes them, and characters XML 1.0 cannot carry
 * at all (most control characters, unpaired surrogates) are dropped first, since one of them would
 * make the carrier reject the whole answer. Line breaks are written as an XML parser reads them
 * back anyway: CR and CRLF become LF in text, and tab, CR and LF become a space in attributes.
 */
public final class TwiML {

  private static final XMLOutputFactory OUTPUT = XMLOutputFactory.newDefaultFactory();

  @FunctionalInterface
  private interface Verb {
    void write(XMLStreamWriter xml) throws XMLStreamException;
  }

  private final List<Verb> verbs = new ArrayList<>();

  private TwiML() {}

  public static TwiML response() {
    return new TwiML();
  }

  /** {@code <Say language voice>text</Say>}; a null language or voice leaves the carrier's default. */
  public TwiML say(String text, String language, String voice) {
    verbs.add(xml -> writeSay(xml, text, language, voice));
    return this;
  }

  public TwiML pause(int seconds) {
    verbs.add(xml -> {
      xml.writeEmptyElement("Pause");
      attribute(xml, "length", Integer.toString(seconds));
    });
    return this;
  }

  public TwiML hangup() {
    verbs.add(xml -> xml.writeEmptyElement("Hangup"));
    return this;
  }

  public TwiML redirect(String url) {
    verbs.add(xml -> {
      xml.writeStartElement("Redirect");
      attribute(xml, "method", "POST");
      xml.writeCharacters(text(url));
      xml.writeEndElement();
    });
    return this;
  }

  /** {@code <Dial callerId action><Number>number</Number></Dial>}: a transfer to a person. */
  public TwiML dial(String number, String callerId, String action) {
    verbs.add(xml -> {
      xml.writeStartElement("Dial");
      attribute(xml, "callerId", callerId);
      attribute(xml, "action", action);
      xml.writeStartElement("Number");
      xml.writeCharacters(text(number));
      xml.writeEndElement();
      xml.writeEndElement();
    });
    return this;
  }

  /**
   * {@code <Connect action><ConversationRelay url welcomeGreeting language voice><Parameter name
   * value/>…</ConversationRelay></Connect>}: the carrier speaks and transcribes, and the relay
   * WebSocket at {@code relayUrl} receives the caller's words as text. The parameters come back in
   * the relay's {@code setup} message, in the map's order.
   */
  public TwiML connectRelay(String action, String relayUrl, String welcomeGreeting, String language,
      String ttsVoice, Map<String, String> parameters) {
    Map<String, String> copy = new LinkedHashMap<>(parameters);
    verbs.add(xml -> {
      xml.writeStartElement("Connect");
      attribute(xml, "action", action);
      xml.writeStartElement("ConversationRelay");
      attribute(xml, "url", relayUrl);
      attribute(xml, "welcomeGreeting", welcomeGreeting);
      attribute(xml, "language", language);
      attribute(xml, "voice", ttsVoice);
      for (Map.Entry<String, String> parameter : copy.entrySet()) {
        xml.writeEmptyElement("Parameter");
        attribute(xml, "name", parameter.getKey());
        attribute(xml, "value", parameter.getValue());
      }
      xml.writeEndElement();
      xml.writeEndElement();
    });
    return this;
  }

  /**
   * {@code <Gather input="speech" …><Say>…</Say></Gather>}: one turn of the speech loop. With
   * actionOnEmptyResult the carrier posts to {@code action} on silence too, so the server decides
   * what silence means.
   */
  public TwiML gather(String action, String language, String sayText, String sayLanguage, String sayVoice) {
    verbs.add(xml -> {
      xml.writeStartElement("Gather");
      attribute(xml, "input", "speech");
      attribute(xml, "action", action);
      attribute(xml, "method", "POST");
      attribute(xml, "speechTimeout", "auto");
      attribute(xml, "actionOnEmptyResult", "true");
      attribute(xml, "language", language);
      if (sayText != null) {
        writeSay(xml, sayText, sayLanguage, sayVoice);
      }
      xml.writeEndElement();
    });
    return this;
  }

  public String toXml() {
    StringWriter out = new StringWriter();
    try {
      XMLStreamWriter xml = OUTPUT.createXMLStreamWriter(out);
      xml.writeStartDocument("UTF-8", "1.0");
      xml.writeStartElement("Response");
      for (Verb verb : verbs) {
        verb.write(xml);
      }
      xml.writeEndElement();
      xml.writeEndDocument();
      xml.close();
    } catch (XMLStreamException e) {
      throw new IllegalStateException("cannot write TwiML", e);
    }
    return out.toString();
  }

  private static void writeSay(XMLStreamWriter xml, String text, String language, String voice)
      throws XMLStreamException {
    xml.writeStartElement("Say");
    attribute(xml, "language", language);
    attribute(xml, "voice", voice);
    xml.writeCharacters(text(text));
    xml.writeEndElement();
  }

  private static void attribute(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
    if (value != null) {
      xml.writeAttribute(name, xmlChars(value).replace('\t', ' ').replace('\r', ' ').replace('\n', ' '));
    }
  }

  private static String text(String value) {
    return value == null ? "" : xmlChars(value).replace("\r\n", "\n").replace('\r', '\n');
  }

  /** {@code value} without the characters XML 1.0 cannot carry (its "Char" production). */
  static String xmlChars(String value) {
    StringBuilder kept = null;
    for (int i = 0; i < value.length(); ) {
      int c = value.codePointAt(i);
      int width = Character.charCount(c);
      boolean allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
          || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      if (!allowed && kept == null) {
        kept = new StringBuilder(value.length()).append(value, 0, i);
      } else if (allowed && kept != null) {
        kept.appendCodePoint(c);
      }
      i += width;
    }
    return kept == null ? value : kept.toString();
  }
}
