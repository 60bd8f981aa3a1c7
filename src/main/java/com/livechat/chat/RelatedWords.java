package com.livechat.chat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Words a small business's visitors use for the same thing as its knowledge base ("Sunday" and
 * "Monday to Saturday", "credit card" and "Visa", "guarantee" and "warranty"), in English, and a
 * light stemmer that folds "prices", "pricing" and "priced" together. The local assistant matches
 * a question word to a passage through its kin, and the knowledge search is given the kin of the
 * question's words, so that an entry which says the same thing in other words is found at all.
 */
public final class RelatedWords {

  private static final Pattern WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  /** Each group: words one visitor may say for what another, or the knowledge base, says otherwise. */
  private static final List<List<String>> GROUPS = List.of(
      List.of("open", "opening", "close", "closed", "closing", "hours", "hour", "time", "times"),
      List.of("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekday", "weekdays",
          "weekend", "weekends", "today", "tomorrow", "holiday", "holidays"),
      List.of("price", "prices", "pricing", "priced", "cost", "costs", "much", "fee", "fees", "charge", "charges",
          "expensive", "cheap", "rate", "rates", "euro", "euros", "dollar", "dollars", "pound", "pounds"),
      List.of("ship", "ships", "shipping", "shipped", "delivery", "deliver", "delivers", "delivered", "postage",
          "courier", "dispatch", "dispatched"),
      List.of("eu", "europe", "abroad", "international", "internationally", "country", "countries", "overseas",
          "worldwide", "germany", "france", "spain", "italy", "netherlands", "belgium", "austria", "ireland",
          "portugal", "poland", "sweden", "denmark", "uk", "usa", "canada"),
      List.of("return", "returns", "returned", "refund", "refunds", "refunded", "exchange", "exchanges"),
      List.of("buy", "bought", "purchase", "purchased", "item", "items", "product", "products"),
      List.of("pay", "paying", "payment", "payments", "card", "cards", "credit", "debit", "visa", "mastercard",
          "amex", "paypal", "cash", "transfer"),
      List.of("contact", "email", "mail", "phone", "call", "telephone", "reach", "ring"),
      List.of("where", "address", "located", "location", "street", "directions", "map"),
      List.of("warranty", "warranties", "guarantee", "guaranteed", "covered"),
      List.of("track", "tracking", "parcel", "parcels", "package", "shipment"),
      List.of("voucher", "vouchers", "coupon", "coupons", "giftcard"),
      List.of("rent", "rental", "rentals", "renting"),
      List.of("discount", "discounts", "sale", "sales", "deal", "deals", "promotion", "promo", "reduction"),
      List.of("student", "students", "university", "college"),
      List.of("repair", "repairs", "repaired", "fix", "fixed", "service", "servicing", "mend", "broken"),
      List.of("cancel", "cancelled", "canceled", "cancellation", "change", "modify", "amend"));

  private static final Map<String, Set<String>> KIN = kin();
  private static final Map<String, Set<String>> KIN_BY_STEM = kinByStem();
  private static final Set<String> DAYS = Set.of("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
      "sunday");

  private RelatedWords() {}

  /**
   * Folds the usual English endings: "prices", "pricing", "priced" and "price" all become
   * "pric"; "shipping" becomes "ship"; "closes", "closed" and "close" become "clos".
   */
  public static String stem(String word) {
    String w = word;
    if (w.length() > 4 && w.endsWith("ies")) {
      return w.substring(0, w.length() - 3) + "y";
    }
    if (w.length() > 5 && w.endsWith("ing")) {
      w = undouble(w.substring(0, w.length() - 3));
    } else if (w.length() > 4 && w.endsWith("ed")) {
      w = undouble(w.substring(0, w.length() - 2));
    } else if (w.length() > 4 && w.endsWith("es") && "sxz".indexOf(w.charAt(w.length() - 3)) >= 0) {
      w = w.substring(0, w.length() - 2);
    } else if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) {
      w = w.substring(0, w.length() - 1);
    }
    if (w.length() > 3 && w.endsWith("e")) {
      w = w.substring(0, w.length() - 1);
    }
    return w;
  }

  /** "shipp" → "ship", but "sell" and "pass" stay. */
  private static String undouble(String w) {
    int n = w.length();
    if (n > 2 && w.charAt(n - 1) == w.charAt(n - 2) && "lsz".indexOf(w.charAt(n - 1)) < 0
        && "aeiou".indexOf(w.charAt(n - 1)) < 0) {
      return w.substring(0, n - 1);
    }
    return w;
  }

  /** The stems of the words related to a stem (itself excluded); empty for a word of no group. */
  static Set<String> kinOfStem(String stem) {
    return KIN_BY_STEM.getOrDefault(stem, Set.of());
  }

  /**
   * The text with the related words of its words added, for a full-text search that should also
   * find an entry which says it otherwise; the text itself when none of its words has kin.
   */
  public static String expand(String text) {
    if (text == null) {
      return null;
    }
    Set<String> added = new HashSet<>();
    for (String w : WORD.split(text.toLowerCase(Locale.ROOT))) {
      added.addAll(KIN.getOrDefault(w, Set.of()));
    }
    return added.isEmpty() ? text : text + "\n" + String.join(" ", added.stream().sorted().toList());
  }

  /** The days of the week a text names, a range such as "Monday to Saturday" counted whole. */
  static Set<String> daysNamed(String text) {
    List<String> week = List.of("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday");
    String[] words = WORD.split(text.toLowerCase(Locale.ROOT));
    Set<String> days = new HashSet<>();
    for (int i = 0; i < words.length; i++) {
      String day = dayOf(words[i]);
      if (day == null) {
        continue;
      }
      days.add(day);
      String end = i + 2 < words.length && Set.of("to", "through", "till", "until").contains(words[i + 1])
          ? dayOf(words[i + 2]) : null;
      if (end != null) {
        for (int d = week.indexOf(day); d != week.indexOf(end); d = (d + 1) % 7) {
          days.add(week.get(d));
        }
        days.add(end);
      }
    }
    if (words.length > 0 && List.of(words).contains("weekdays")) {
      days.addAll(week.subList(0, 5));
    }
    return days;
  }

  private static String dayOf(String word) {
    String w = word.endsWith("s") ? word.substring(0, word.length() - 1) : word;
    return DAYS.contains(w) ? w : null;
  }

  private static Map<String, Set<String>> kin() {
    Map<String, Set<String>> kin = new HashMap<>();
    for (List<String> group : GROUPS) {
      for (String word : group) {
        Set<String> others = new HashSet<>(group);
        others.remove(word);
        kin.computeIfAbsent(word, w -> new HashSet<>()).addAll(others);
      }
    }
    return kin;
  }

  private static Map<String, Set<String>> kinByStem() {
    Map<String, Set<String>> kin = new HashMap<>();
    for (List<String> group : GROUPS) {
      Set<String> stems = new HashSet<>();
      group.forEach(w -> stems.add(stem(w)));
      for (String s : stems) {
        Set<String> others = new HashSet<>(stems);
        others.remove(s);
        kin.computeIfAbsent(s, x -> new HashSet<>()).addAll(others);
      }
    }
    return kin;
  }
}
