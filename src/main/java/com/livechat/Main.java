package com.livechat;

import com.livechat.config.AppConfig;
import com.livechat.config.ConfigLoader;
import com.livechat.ops.StartupFailure;
import com.livechat.voice.sim.CallCommand;
import com.livechat.voice.sim.CarrierCommand;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node with conf/config.json, LIVECHAT_CONFIG and the LIVECHAT_* variables; {@code call
 * NUMBER} runs the call simulator instead, {@code carrier} the fake carrier for outbound calls.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    // "call NUMBER": the terminal call simulator (scripts/call.sh), not a node
    if (args.length > 0 && args[0].equals("call")) {
      CallCommand.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    // "carrier": the fake carrier's REST API for outbound campaigns (scripts/campaign.sh), not a node
    if (args.length > 0 && args[0].equals("carrier")) {
      CarrierCommand.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    AppConfig config;
    try {
      config = ConfigLoader.load(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error("Bad configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    LiveChatServer server;
    try {
      server = LiveChatServer.start(config);
    } catch (IllegalArgumentException e) {
      LOG.error("Bad configuration: {}", e.getMessage());
      LOG.debug("Bad configuration", e);
      System.exit(2);
      return;
    } catch (StartupFailure e) {
      LOG.error("Cannot start: {}", e.getMessage());
      LOG.debug("Start-up failure", e);
      System.exit(1);
      return;
    } catch (Throwable e) {
      LOG.error("Cannot start: {}", StartupFailure.rootMessage(e));
      LOG.debug("Start-up failure", e);
      System.exit(1);
      return;
    }
    // only Vert.x's own launcher installs a hook; without one a killed node lingers in the cluster
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutting down");
      server.close();
    }, "livechat-shutdown"));
  }
}
