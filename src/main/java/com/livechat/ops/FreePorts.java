package com.livechat.ops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * Checks, before anything is started, that the ports the node will listen on are free: a busy port
 * is then one line naming its setting, instead of an embedded database started for nothing and
 * Hazelcast's own stack traces. The servers still report a port taken in between.
 */
public final class FreePorts {

  private FreePorts() {}

  /**
   * @param what the listener, as the message says it ("the HTTP server")
   * @param settings the settings that choose host and port ("http.host, http.port / LIVECHAT_HTTP_PORT")
   * @throws StartupFailure when the port cannot be bound now
   */
  public static void require(String what, String host, int port, String settings) {
    if (port == 0) {
      return;
    }
    try (ServerSocketChannel channel = ServerSocketChannel.open()) {
      // as Netty and Hazelcast bind: a port in TIME_WAIT is free
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      channel.bind(new InetSocketAddress(host, port));
    } catch (IOException | RuntimeException e) {
      throw new StartupFailure(what + " cannot listen on " + host + ":" + port + " (" + settings + "): "
          + StartupFailure.rootMessage(e), e);
    }
  }
}
