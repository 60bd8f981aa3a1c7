package com.livechat.voice.sim;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * What a carrier reads in one TwiML answer: the verbs the fake acts on, in document order. Parsed
 * with DOCTYPEs refused, as a carrier must parse whatever a webhook sends it.
 */
record TwimlAnswer(
    List<String> said,
    boolean hungUp,
    String dialled,
    String dialCallerId,
    String connectAction,
    String relayUrl,
    String greeting,
    Map<String, String> relayParameters,
    String gatherAction,
    String redirectUrl) {

  static final TwimlAnswer NONE = new TwimlAnswer(List.of(), false, null, null, null, null, null, Map.of(), null, null);

  private static final ThreadLocal<DocumentBuilder> PARSER = ThreadLocal.withInitial(TwimlAnswer::newParser);

  /** Parses a TwiML document; anything that is not one (or has no Response root) throws IllegalArgumentException. */
  static TwimlAnswer parse(String twiml) {
    Element root;
    try {
      DocumentBuilder parser = PARSER.get();
      parser.reset();
      root = parser.parse(new InputSource(new StringReader(twiml))).getDocumentElement();
    } catch (SAXException | IOException e) {
      throw new IllegalArgumentException("not well-formed TwiML: " + e.getMessage() + "\n" + twiml, e);
    }
    if (!root.getTagName().equals("Response")) {
      throw new IllegalArgumentException("TwiML's root must be <Response>, was <" + root.getTagName() + ">");
    }
    List<String> said = new ArrayList<>();
    NodeList says = root.getElementsByTagName("Say");
    for (int i = 0; i < says.getLength(); i++) {
      said.add(says.item(i).getTextContent());
    }
    Element dial = first(root, "Dial");
    Element number = dial == null ? null : first(dial, "Number");
    Element connect = first(root, "Connect");
    Element relay = connect == null ? null : first(connect, "ConversationRelay");
    Map<String, String> parameters = new LinkedHashMap<>();
    if (relay != null) {
      NodeList list = relay.getElementsByTagName("Parameter");
      for (int i = 0; i < list.getLength(); i++) {
        Element parameter = (Element) list.item(i);
        parameters.put(parameter.getAttribute("name"), parameter.getAttribute("value"));
      }
    }
    Element gather = first(root, "Gather");
    Element redirect = first(root, "Redirect");
    return new TwimlAnswer(
        List.copyOf(said),
        first(root, "Hangup") != null,
        dial == null ? null : (number != null ? number.getTextContent() : dial.getTextContent()).strip(),
        attribute(dial, "callerId"),
        attribute(connect, "action"),
        attribute(relay, "url"),
        attribute(relay, "welcomeGreeting"),
        Collections.unmodifiableMap(parameters),
        attribute(gather, "action"),
        redirect == null ? null : redirect.getTextContent().strip());
  }

  private static Element first(Element parent, String tag) {
    NodeList list = parent.getElementsByTagName(tag);
    return list.getLength() == 0 ? null : (Element) list.item(0);
  }

  /** The attribute, or null when the element or the attribute is absent (DOM says "" for both). */
  private static String attribute(Element element, String name) {
    if (element == null) {
      return null;
    }
    Node attribute = element.getAttributeNode(name);
    return attribute == null ? null : attribute.getNodeValue();
  }

  private static DocumentBuilder newParser() {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      factory.setNamespaceAware(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      // the default handler also prints every error to stderr; the exception says it already
      builder.setErrorHandler(new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {}

        @Override
        public void error(SAXParseException e) throws SAXException {
          throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
          throw e;
        }
      });
      return builder;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's parser supports these features", e);
    }
  }
}
