package io.github.introsvg.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a server that a test closes and starts again, or a port that must stay closed. They lie below the
 * kernel's ephemeral range: with test classes running in parallel, an ephemeral port freed by one test is soon
 * another test's (a server on port 0, any outgoing connection), but these are only ever handed out here, once.
 */
public final class Ports {

  private static final Set<Integer> HANDED_OUT = new HashSet<>();
  private static final int LOWEST = 10_000;

  private Ports() {}

  /** A free port nothing else in this JVM is given. */
  public static int free() {
    return free(1);
  }

  /** The first of {@code count} consecutive free ports nothing else in this JVM is given. */
  public static synchronized int free(int count) {
    int highest = ephemeralStart() - count;
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(LOWEST, highest);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) free = !HANDED_OUT.contains(p) && bindable(p);
      if (free) {
        for (int p = base; p < base + count; p++) HANDED_OUT.add(p);
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports below " + highest);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      socket.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Linux's net.ipv4.ip_local_port_range, else the IANA range's start. */
  private static int ephemeralStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 49_152;
    }
  }
}
