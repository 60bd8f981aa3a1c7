package com.livechat.ops;

/**
 * Why a node could not start, in one line that names the setting to change (a busy port, an
 * unreachable database, a data dir in use). Main logs the message alone, without a stack trace,
 * and exits 1; bad configuration is refused earlier (exit 2).
 */
public final class StartupFailure extends RuntimeException {

  public StartupFailure(String message, Throwable cause) {
    super(message, cause);
  }

  public StartupFailure(String message) {
    super(message);
  }

  /** The innermost cause's message: "Address already in use", "Connection refused", … */
  public static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }

  /** Whether the failure is a port already taken (the OS's bind error anywhere in the chain). */
  public static boolean portInUse(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof java.net.BindException
          || (e.getMessage() != null && e.getMessage().contains("already in use"))) {
        return true;
      }
    }
    return false;
  }
}
