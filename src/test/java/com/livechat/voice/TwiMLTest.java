package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.voice.twilio.TwiML;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;

/** The TwiML answers, read back the way a carrier reads them: as XML, with no DOCTYPE allowed. */
class TwiMLTest {

  private static final String NASTY = "<b>Tom & \"Jerry's\"</b> ]]> done 👋🏽 ok";

  private static Element parse(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setExpandEntityReferences(false);
    DocumentBuilder builder = factory.newDocumentBuilder();
    builder.setErrorHandler(null);
    return builder.parse(new InputSource(new StringReader(xml))).getDocumentElement();
  }

  private static List<Element> children(Element parent) {
    List<Element> elements = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        elements.add((Element) nodes.item(i));
      }
    }
    return elements;
  }

  private static List<String> names(Element parent) {
    return children(parent).stream().map(Element::getTagName).toList();
  }

  @Test
  void startsWithTheXmlDeclarationAndAResponseRoot() throws Exception {
    String xml = TwiML.response().toXml();
    assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response");
    Element root = parse(xml);
    assertThat(root.getTagName()).isEqualTo("Response");
    assertThat(children(root)).isEmpty();
  }

  @Test
  void notInServiceIsASayAndAHangup() throws Exception {
    Element root = parse(TwiML.response()
        .say("This number is not in service.", "en-US", null)
        .pause(1)
        .hangup()
        .toXml());
    assertThat(names(root)).containsExactly("Say", "Pause", "Hangup");
    Element say = children(root).get(0);
    assertThat(say.getTextContent()).isEqualTo("This number is not in service.");
    assertThat(say.getAttribute("language")).isEqualTo("en-US");
    assertThat(say.hasAttribute("voice")).isFalse();
    assertThat(children(root).get(1).getAttribute("length")).isEqualTo("1");
    assertThat(children(root).get(2).hasChildNodes()).isFalse();
  }

  @Test
  void connectRelayCarriesTheGreetingAndParametersInOrder() throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("conversationId", "conv-1");
    parameters.put("tenantId", "tnt-2");
    Element root = parse(TwiML.response()
        .connectRelay("https://chat.example.com/api/voice/twilio/relay-ended",
            "wss://chat.example.com/api/voice/twilio/relay", "Hi, I'm Ada.", "en-GB", "Polly.Amy", parameters)
        .toXml());
    assertThat(names(root)).containsExactly("Connect");
    Element connect = children(root).get(0);
    assertThat(connect.getAttribute("action")).isEqualTo("https://chat.example.com/api/voice/twilio/relay-ended");
    Element relay = children(connect).get(0);
    assertThat(relay.getTagName()).isEqualTo("ConversationRelay");
    assertThat(relay.getAttribute("url")).isEqualTo("wss://chat.example.com/api/voice/twilio/relay");
    assertThat(relay.getAttribute("welcomeGreeting")).isEqualTo("Hi, I'm Ada.");
    assertThat(relay.getAttribute("language")).isEqualTo("en-GB");
    assertThat(relay.getAttribute("voice")).isEqualTo("Polly.Amy");
    assertThat(children(relay)).extracting(p -> p.getTagName() + ":" + p.getAttribute("name") + "=" + p.getAttribute("value"))
        .containsExactly("Parameter:conversationId=conv-1", "Parameter:tenantId=tnt-2");
  }

  @Test
  void omitsNullAttributes() throws Exception {
    Element root = parse(TwiML.response()
        .connectRelay("https://a.example/end", "wss://a.example/relay", null, null, null, Map.of())
        .dial("+15557654321", null, null)
        .toXml());
    Element relay = children(children(root).get(0)).get(0);
    assertThat(relay.getAttributes().getLength()).isEqualTo(1);
    assertThat(children(relay)).isEmpty();
    Element dial = children(root).get(1);
    assertThat(dial.getAttributes().getLength()).isZero();
  }

  @Test
  void gatherListensForSpeechAndSaysThePrompt() throws Exception {
    Element root = parse(TwiML.response()
        .gather("https://chat.example.com/api/voice/twilio/gather", "en-US", "How can I help?", "en-US", "alice")
        .redirect("https://chat.example.com/api/voice/twilio/gather")
        .toXml());
    assertThat(names(root)).containsExactly("Gather", "Redirect");
    Element gather = children(root).get(0);
    assertThat(gather.getAttribute("input")).isEqualTo("speech");
    assertThat(gather.getAttribute("action")).isEqualTo("https://chat.example.com/api/voice/twilio/gather");
    assertThat(gather.getAttribute("method")).isEqualTo("POST");
    assertThat(gather.getAttribute("speechTimeout")).isEqualTo("auto");
    assertThat(gather.getAttribute("actionOnEmptyResult")).isEqualTo("true");
    assertThat(gather.getAttribute("language")).isEqualTo("en-US");
    Element say = children(gather).get(0);
    assertThat(say.getTagName()).isEqualTo("Say");
    assertThat(say.getTextContent()).isEqualTo("How can I help?");
    assertThat(say.getAttribute("voice")).isEqualTo("alice");
    Element redirect = children(root).get(1);
    assertThat(redirect.getAttribute("method")).isEqualTo("POST");
    assertThat(redirect.getTextContent()).isEqualTo("https://chat.example.com/api/voice/twilio/gather");

    Element silent = children(parse(TwiML.response().gather("https://a.example/g", null, null, null, null).toXml()))
        .get(0);
    assertThat(children(silent)).isEmpty();
    assertThat(silent.hasAttribute("language")).isFalse();
  }

  @Test
  void dialTransfersWithTheCallerId() throws Exception {
    Element root = parse(TwiML.response()
        .say("Transferring you now.", null, null)
        .dial("+15557654321", "+15550002222", "https://chat.example.com/api/voice/twilio/dial-ended")
        .toXml());
    Element dial = children(root).get(1);
    assertThat(dial.getTagName()).isEqualTo("Dial");
    assertThat(dial.getAttribute("callerId")).isEqualTo("+15550002222");
    assertThat(dial.getAttribute("action")).isEqualTo("https://chat.example.com/api/voice/twilio/dial-ended");
    assertThat(names(dial)).containsExactly("Number");
    assertThat(dial.getTextContent()).isEqualTo("+15557654321");
  }

  @Test
  void everyValueIsEscapedAndComesBackExactly() throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put(NASTY, NASTY);
    String xml = TwiML.response()
        .say(NASTY, NASTY, NASTY)
        .connectRelay(NASTY, NASTY, NASTY, NASTY, NASTY, parameters)
        .gather(NASTY, NASTY, NASTY, NASTY, NASTY)
        .dial(NASTY, NASTY, NASTY)
        .redirect(NASTY)
        .toXml();
    assertThat(xml).doesNotContain("<b>").doesNotContain("]]>");
    Element root = parse(xml);
    assertThat(names(root)).containsExactly("Say", "Connect", "Gather", "Dial", "Redirect");
    Element say = children(root).get(0);
    assertThat(say.getTextContent()).isEqualTo(NASTY);
    assertThat(say.getAttribute("language")).isEqualTo(NASTY);
    assertThat(say.getAttribute("voice")).isEqualTo(NASTY);
    Element connect = children(root).get(1);
    Element relay = children(connect).get(0);
    assertThat(connect.getAttribute("action")).isEqualTo(NASTY);
    for (String attribute : List.of("url", "welcomeGreeting", "language", "voice")) {
      assertThat(relay.getAttribute(attribute)).isEqualTo(NASTY);
    }
    Element parameter = children(relay).get(0);
    assertThat(parameter.getAttribute("name")).isEqualTo(NASTY);
    assertThat(parameter.getAttribute("value")).isEqualTo(NASTY);
    Element gather = children(root).get(2);
    assertThat(gather.getAttribute("action")).isEqualTo(NASTY);
    assertThat(children(gather).get(0).getTextContent()).isEqualTo(NASTY);
    Element dial = children(root).get(3);
    assertThat(dial.getAttribute("callerId")).isEqualTo(NASTY);
    assertThat(dial.getTextContent()).isEqualTo(NASTY);
    assertThat(children(root).get(4).getTextContent()).isEqualTo(NASTY);
  }

  @Test
  void charactersXmlCannotCarryAreDropped() throws Exception {
    String unpaired = "a\uD83Db\uDC4Bc";
    String controls = "x\u0000y\u0001\u0008\u000B\u000C\u001Fz\uFFFE\uFFFF!";
    String xml = TwiML.response()
        .say(controls, null, null)
        .say(unpaired, null, null)
        .say("tab\there\nnewline", null, null)
        .dial("+1555", controls, null)
        .toXml();
    Element root = parse(xml);
    assertThat(children(root).get(0).getTextContent()).isEqualTo("xyz!");
    assertThat(children(root).get(1).getTextContent()).isEqualTo("abc");
    assertThat(children(root).get(2).getTextContent()).isEqualTo("tab\there\nnewline");
    assertThat(children(root).get(3).getAttribute("callerId")).isEqualTo("xyz!");
  }

  @Test
  void lineBreaksAreWrittenAsAParserReadsThemBack() throws Exception {
    Element root = parse(TwiML.response()
        .say("one\r\ntwo\rthree", null, null)
        .connectRelay("https://a.example/end", "wss://a.example/relay", "Hello\nthere\tfriend\r\n!", null, null, Map.of())
        .toXml());
    assertThat(children(root).get(0).getTextContent()).isEqualTo("one\ntwo\nthree");
    assertThat(children(children(root).get(1)).get(0).getAttribute("welcomeGreeting")).isEqualTo("Hello there friend  !");
  }

  @Test
  void aUrlWithAnAmpersandInItsQueryRoundTrips() throws Exception {
    String url = "https://chat.example.com/api/voice/twilio/gather?conversationId=conv-1&turn=2&x=%26";
    String xml = TwiML.response().gather(url, "en-US", "Hello?", null, null).redirect(url).toXml();
    assertThat(xml).contains("conversationId=conv-1&amp;turn=2");
    Element root = parse(xml);
    assertThat(children(root).get(0).getAttribute("action")).isEqualTo(url);
    assertThat(children(root).get(1).getTextContent()).isEqualTo(url);
  }

  @Test
  void theTestParserRefusesADoctype() {
    assertThatThrownBy(() -> parse("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"y\">]><Response>&x;</Response>"))
        .isInstanceOf(SAXParseException.class);
  }

  @Test
  void toXmlCanBeCalledAgain() {
    TwiML twiml = TwiML.response().say("Hi", null, null);
    assertThat(twiml.toXml()).isEqualTo(twiml.toXml());
    assertThat(twiml.hangup().toXml()).endsWith("<Hangup/></Response>");
  }
}
