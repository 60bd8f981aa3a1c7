package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.voice.twilio.TwilioSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** X-Twilio-Signature as the carrier computes it, and what the webhooks accept. */
class TwilioSignatureTest {

  // twilio-java's own RequestValidatorTest vector
  private static final String TOKEN = "12345";
  private static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
  private static final String SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

  private static Map<String, String> params() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("From", "+14158675309");
    params.put("CallSid", "CA1234567890ABCDE");
    params.put("To", "+18005551212");
    params.put("Caller", "+14158675309");
    params.put("Digits", "1234");
    return params;
  }

  @Test
  void computesTwilioJavasTestVector() {
    assertThat(TwilioSignature.compute(TOKEN, URL, params())).isEqualTo(SIGNATURE);
    assertThat(TwilioSignature.compute(TOKEN, URL, List.copyOf(params().entrySet()))).isEqualTo(SIGNATURE);
  }

  @Test
  void verifiesTheVectorWithOrWithoutTheDefaultPort() {
    assertThat(TwilioSignature.verify(TOKEN, URL, params(), SIGNATURE)).isTrue();
    assertThat(TwilioSignature.verify(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params(), SIGNATURE))
        .isTrue();
    // signed with the port, checked against the URL without it
    String withPort = TwilioSignature.compute(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params());
    assertThat(TwilioSignature.verify(TOKEN, URL, params(), withPort)).isTrue();
    // another port is another URL
    assertThat(TwilioSignature.verify(TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params(), SIGNATURE))
        .isFalse();
    // 443 is not http's default
    assertThat(TwilioSignature.verify(TOKEN, "http://mycompany.com:443/myapp.php?foo=1&bar=2", params(), SIGNATURE))
        .isFalse();
  }

  @Test
  void refusesAWrongTokenParameterOrUrl() {
    assertThat(TwilioSignature.verify("54321", URL, params(), SIGNATURE)).isFalse();
    Map<String, String> changed = params();
    changed.put("Digits", "1235");
    assertThat(TwilioSignature.verify(TOKEN, URL, changed, SIGNATURE)).isFalse();
    Map<String, String> added = params();
    added.put("SpeechResult", "hello");
    assertThat(TwilioSignature.verify(TOKEN, URL, added, SIGNATURE)).isFalse();
    assertThat(TwilioSignature.verify(TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=3", params(), SIGNATURE))
        .isFalse();
    assertThat(TwilioSignature.verify(TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", params(), SIGNATURE))
        .isFalse();
  }

  @Test
  void refusesAMissingSignatureAndMalformedUrlsWithoutThrowing() {
    assertThat(TwilioSignature.verify(TOKEN, URL, params(), null)).isFalse();
    assertThat(TwilioSignature.verify(TOKEN, URL, params(), "")).isFalse();
    assertThat(TwilioSignature.verify(TOKEN, "https://bad host/x?y=%zz", params(), SIGNATURE)).isFalse();
    assertThat(TwilioSignature.verify(TOKEN, "::::", params(), SIGNATURE)).isFalse();
    assertThat(TwilioSignature.verify(TOKEN, null, params(), SIGNATURE)).isFalse();
  }

  @Test
  void sortsRepeatedNamesByValue() throws Exception {
    List<Map.Entry<String, String>> oneOrder = List.of(
        Map.entry("StatusCallbackEvent", "ringing"), Map.entry("StatusCallbackEvent", "answered"), Map.entry("A", "1"));
    List<Map.Entry<String, String>> otherOrder = List.of(
        Map.entry("A", "1"), Map.entry("StatusCallbackEvent", "answered"), Map.entry("StatusCallbackEvent", "ringing"));
    String signature = TwilioSignature.compute(TOKEN, URL, oneOrder);
    assertThat(TwilioSignature.compute(TOKEN, URL, otherOrder)).isEqualTo(signature);
    assertThat(signature).isEqualTo(hmacSha1Base64(TOKEN,
        URL + "A1" + "StatusCallbackEventanswered" + "StatusCallbackEventringing"));
  }

  private static String hmacSha1Base64(String key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void signsWebSocketUrlsWithoutParameters() {
    String wss = "wss://chat.example.com/api/voice/twilio/relay";
    String signature = TwilioSignature.compute(TOKEN, wss, Map.of());
    assertThat(TwilioSignature.verify(TOKEN, wss, Map.of(), signature)).isTrue();
    assertThat(TwilioSignature.verify(TOKEN, "wss://chat.example.com:443/api/voice/twilio/relay", Map.of(), signature))
        .isTrue();
    assertThat(TwilioSignature.verify(TOKEN, "ws://chat.example.com/api/voice/twilio/relay", Map.of(), signature))
        .isFalse();

    String ws = "ws://localhost:80/api/voice/twilio/relay";
    String wsSignature = TwilioSignature.compute(TOKEN, ws, Map.of());
    assertThat(TwilioSignature.verify(TOKEN, "ws://localhost/api/voice/twilio/relay", Map.of(), wsSignature)).isTrue();
    assertThat(TwilioSignature.verify(TOKEN, "ws://localhost:8080/api/voice/twilio/relay", Map.of(), wsSignature))
        .isFalse();
  }

  @Test
  void theServerTokenIsTheConfiguredOneOrOneKeptPrivateInTheDataDir(@TempDir Path dir) throws Exception {
    assertThat(TwilioSignature.serverAuthToken("configured-token", dir)).isEqualTo("configured-token");
    assertThat(dir.resolve("twilio-auth-token")).doesNotExist();

    Path dataDir = dir.resolve("data");
    String generated = TwilioSignature.serverAuthToken("", dataDir);
    assertThat(generated).matches("[0-9a-f]{64}");
    Path file = dataDir.resolve("twilio-auth-token");
    assertThat(Files.readString(file)).isEqualTo(generated);
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    // the simulator, started later on the same data dir, signs with the same token
    assertThat(TwilioSignature.serverAuthToken(null, dataDir)).isEqualTo(generated);
    assertThat(TwilioSignature.serverAuthToken("  ", dataDir)).isEqualTo(generated);
  }
}
