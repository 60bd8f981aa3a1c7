package com.livechat.voice.sim;

import com.livechat.config.AppConfig;
import com.livechat.config.ConfigLoader;
import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar livechat.jar call NUMBER [--from +1…] [--url http://127.0.0.1:PORT]}
 * (scripts/call.sh): a phone call from the terminal to a running node, through the fake carrier.
 * Each line typed is what the caller says; {@code /press 5} presses a key, {@code /hangup} or the
 * end of input hangs up. It reads the server's configuration, so it signs with the auth token the
 * server checks and addresses the public URL the server builds its TwiML from.
 *
 * <p>The main thread runs the call; a daemon thread only reads stdin and the event loop only
 * prints what the server streams, both handing events to the main thread through one queue.
 */
public final class CallCommand {

  static final String DEFAULT_FROM = "+15550001111";
  private static final String MADE_UP_ACCOUNT_SID = "AC" + "0".repeat(32);
  private static final String USAGE = "usage: call NUMBER [--from +15550001111] [--url http://127.0.0.1:PORT]";
  private static final long REQUEST_TIMEOUT_SECONDS = 30;
  private static final long REPLY_TIMEOUT_SECONDS = 60;

  /** What the main thread waits for: a caller's line, the end of input, or news from the relay. */
  private sealed interface Event permits Line, EndOfInput, ServerEnded, SocketClosed {}

  private record Line(String text) implements Event {}

  private record EndOfInput() implements Event {}

  private record ServerEnded() implements Event {}

  private record SocketClosed() implements Event {}

  private record Args(String number, String from, String url) {}

  private final PrintStream out;
  private final boolean echo;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private FakeCall call;
  private long answeredAtNanos;

  private CallCommand(PrintStream out, boolean echo) {
    this.out = out;
    this.echo = echo;
  }

  public static void main(String[] args) {
    // a terminal shows what was typed; piped input is echoed, so a transcript reads as a dialogue
    boolean echo = System.console() == null;
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.exit(run(args, System.getenv(), stdin, System.out, echo));
  }

  /**
   * Runs one call (main, and the tests, with their own input and output); the exit code: 0 the call
   * took place (or the number is not in service), 1 the server could not be reached or refused it,
   * 2 bad arguments or configuration.
   */
  public static int run(String[] argv, Map<String, String> env, BufferedReader in, PrintStream out, boolean echo) {
    Args args = parse(argv);
    if (args == null) {
      out.println(USAGE);
      return 2;
    }
    AppConfig config;
    try {
      config = ConfigLoader.load(env);
    } catch (IllegalArgumentException e) {
      out.println("bad configuration: " + e.getMessage());
      return 2;
    }
    int port = config.http().port();
    String publicBase = config.voice().baseUrl(port);
    String token;
    try {
      token = TwilioSignature.serverAuthToken(config.voice().twilio().authToken(), config.dataDir());
    } catch (UncheckedIOException e) {
      out.println(e.getMessage() + ": " + e.getCause().getMessage());
      return 2;
    }
    String accountSid = config.voice().twilio().accountSid().isEmpty()
        ? MADE_UP_ACCOUNT_SID : config.voice().twilio().accountSid();
    String serverBase = args.url() != null ? args.url() : "http://127.0.0.1:" + port;

    Vertx vertx = Vertx.vertx();
    FakeCarrier carrier = new FakeCarrier(vertx, serverBase, publicBase, token, accountSid);
    CallCommand command = new CallCommand(out, echo);
    Thread hook = new Thread(command::hangUpOnExit, "call-hangup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      command.readLines(in);
      return command.call(carrier, args, serverBase, publicBase);
    } finally {
      command.finished.set(true);
      removeHook(hook);
      carrier.close().await();
      vertx.close().await();
    }
  }

  private int call(FakeCarrier carrier, Args args, String serverBase, String publicBase) {
    out.println("calling " + args.number() + " from " + args.from() + " (server " + serverBase
        + ", public URL " + publicBase + ")");
    try {
      call = carrier.dial(args.from(), args.number()).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      out.println("cannot reach the server at " + serverBase + ": " + describe(e));
      return 1;
    }
    answeredAtNanos = System.nanoTime();
    if (call.httpStatus() != 200) {
      return refused(call.httpStatus(), call.twiml());
    }
    printSaid(call.said());
    if (call.hungUp() || call.dialled() != null) {
      return finish();
    }
    return call.gathering() ? gatherLoop() : relayLoop();
  }

  /** ConversationRelay: lines become prompts, the reply streams in as the server sends it. */
  private int relayLoop() {
    ReplyPrinter printer = new ReplyPrinter();
    call.onFrame(frame -> {
      printer.print(frame);
      if ("end".equals(frame.getString("type"))) {
        events.add(new ServerEnded());
      }
    });
    try {
      call.connect().timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      if (e.getCause() instanceof UpgradeRejectedException rejected) {
        return refused(rejected.getStatus(), rejected.getBody() == null ? "" : rejected.getBody().toString());
      }
      out.println("cannot open the relay: " + describe(e));
      return 1;
    }
    call.socketClosed().onComplete(v -> events.add(new SocketClosed()));
    if (call.greeting() != null) {
      out.println("(greeting) " + call.greeting());
    }
    while (true) {
      if (call.ended()) {
        return transferOrEnd();
      }
      Event event = nextEvent();
      if (event instanceof ServerEnded) {
        return transferOrEnd();
      }
      if (event instanceof SocketClosed) {
        out.println("the server closed the relay");
        hangUpQuietly();
        return 1;
      }
      String line = event instanceof Line l ? l.text() : null;
      if (line == null || line.equals("/hangup")) {
        return callerHangsUp(true);
      }
      if (line.startsWith("/press")) {
        press(line);
      } else if (line.startsWith("/")) {
        out.println("commands: /press DIGIT, /hangup");
      } else if (!line.isBlank()) {
        echo(line);
        try {
          call.prompt(line).timeout(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
        } catch (Exception e) {
          printer.endLine();
          // a closed socket arrives as its own event; anything else is worth saying
          if (!call.ended()) {
            out.println("(no reply: " + describe(e) + ")");
          }
        }
      }
    }
  }

  /** The {@code <Gather>} loop: each line is one turn of speech, an empty line is silence. */
  private int gatherLoop() {
    while (call.gathering()) {
      Event event = nextEvent();
      String line = event instanceof Line l ? l.text() : null;
      if (line == null || line.equals("/hangup")) {
        return callerHangsUp(false);
      }
      if (line.startsWith("/")) {
        out.println("this call listens for speech: type what the caller says, or /hangup");
        continue;
      }
      echo(line.isEmpty() ? "(silence)" : line);
      try {
        call.speak(line.isEmpty() ? null : line).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
      } catch (Exception e) {
        out.println("the server did not answer the turn: " + describe(e));
        hangUpQuietly();
        return 1;
      }
      if (call.httpStatus() != 200) {
        return refused(call.httpStatus(), call.twiml());
      }
      printSaid(call.said());
    }
    if (call.hungUp() || call.dialled() != null) {
      return finish();
    }
    out.println("the server's answer is not one a caller can follow:\n" + call.twiml());
    hangUpQuietly();
    return 1;
  }

  /** The server sent {@code end}: the carrier asks the Connect action what next (a transfer, or goodbye). */
  private int transferOrEnd() {
    try {
      call.relayEnded().timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      out.println("the server did not answer the end of the relay: " + describe(e));
      hangUpQuietly();
      return 1;
    }
    if (call.httpStatus() != 200) {
      return refused(call.httpStatus(), call.twiml());
    }
    printSaid(call.said());
    return finish();
  }

  /** The answer ends the assistant's part: a transfer, or a hang-up; the carrier reports the call completed. */
  private int finish() {
    if (call.dialled() != null) {
      out.println("transferring to " + call.dialled());
    } else {
      out.println("call ended");
    }
    hangUpQuietly();
    return 0;
  }

  private int callerHangsUp(boolean relay) {
    if (relay) {
      try {
        // as the carrier does: the relay session is over, then the call
        call.relayEnded().timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
      } catch (Exception e) {
        out.println("(the server did not answer the end of the relay: " + describe(e) + ")");
      }
    }
    int seconds = elapsedSeconds();
    try {
      call.hangUp(seconds).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      out.println("(the server did not take the hang-up: " + describe(e) + ")");
    }
    out.println("call ended after " + seconds + " s");
    return 0;
  }

  private void press(String line) {
    String digit = line.substring("/press".length()).strip();
    if (!digit.matches("[0-9*#]")) {
      out.println("press one key: /press 0-9, * or #");
      return;
    }
    try {
      call.dtmf(digit).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      out.println("(the key was not sent: " + describe(e) + ")");
    }
  }

  private void hangUpQuietly() {
    try {
      call.hangUp(elapsedSeconds()).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
    } catch (Exception ignored) {
      // the call is over either way; the server learns it from a later status, or never
    }
  }

  /** Ctrl-C mid-call: the carrier still tells the server the call is over. */
  private void hangUpOnExit() {
    if (finished.get() || call == null) {
      return;
    }
    try {
      call.hangUp(elapsedSeconds()).await(3, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the JVM is going away
    }
  }

  private int refused(int status, String body) {
    String why = switch (status) {
      case 403 -> "the server refused the carrier's signature: the server's auth token differs: set "
          + "LIVECHAT_TWILIO_AUTH_TOKEN the same for both";
      case 400 -> "the server found no carrier signature";
      case 404 -> "the server has no voice webhooks here: is --url a live-chat node?";
      default -> "the server refused the call";
    };
    out.println(why + " (HTTP " + status + (body == null || body.isBlank() ? "" : ": " + body.strip()) + ")");
    return 1;
  }

  private void printSaid(List<String> said) {
    for (String text : said) {
      out.println("assistant: " + text);
    }
  }

  private void echo(String line) {
    if (echo) {
      out.println("caller: " + line);
    }
  }

  private int elapsedSeconds() {
    return (int) Math.round((System.nanoTime() - answeredAtNanos) / 1e9);
  }

  private Event nextEvent() {
    try {
      return events.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new EndOfInput();
    }
  }

  /** Stdin is read on a thread of its own, so a blocked read never holds up the call. */
  private void readLines(BufferedReader in) {
    Thread reader = new Thread(() -> {
      try {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          events.add(new Line(line.strip()));
        }
      } catch (IOException e) {
        // a closed stdin is the end of input
      }
      events.add(new EndOfInput());
    }, "call-stdin");
    reader.setDaemon(true);
    reader.start();
  }

  private static Args parse(String[] argv) {
    String number = null;
    String from = DEFAULT_FROM;
    String url = null;
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "--from", "--url" -> {
          if (i + 1 == argv.length) {
            return null;
          }
          if (argv[i].equals("--from")) {
            from = argv[++i];
          } else {
            url = argv[++i];
          }
        }
        default -> {
          if (argv[i].startsWith("--") || number != null) {
            return null;
          }
          number = argv[i];
        }
      }
    }
    return number == null ? null : new Args(number, from, url);
  }

  private static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof io.vertx.core.VertxException)) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is already exiting and runs the hook, which sees the call finished
    }
  }

  /** Prints streamed replies as the caller would hear them: "assistant: " then the tokens, one line a reply. */
  private final class ReplyPrinter {
    private boolean midReply;

    synchronized void print(JsonObject frame) {
      String type = frame.getString("type", "");
      if (type.equals("text")) {
        if (!midReply) {
          out.print("assistant: ");
          midReply = true;
        }
        out.print(frame.getString("token", ""));
        if (Boolean.TRUE.equals(frame.getValue("last"))) {
          endLine();
        }
        out.flush();
      } else if (type.equals("end")) {
        endLine();
      }
    }

    synchronized void endLine() {
      if (midReply) {
        out.println();
        midReply = false;
      }
    }
  }
}
