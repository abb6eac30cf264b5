package io.github.introsvg.internal.render;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.LogManager;

/**
 * The child-process side of {@link IsolatedRenderer}: reads length-prefixed SVG frames on stdin and answers
 * each with a PNG or an error frame on stdout, until stdin closes.
 *
 * <p>At start-up the worker writes one {@code byte READY}, so the parent can time JVM start-up apart from renders.
 * Request: {@code int n, n bytes of UTF-8 SVG}. Reply: {@code byte OK, int n, n bytes of PNG}, or
 * {@code byte ERROR | ERROR_EXITING, UTF reason name, UTF message}; after ERROR_EXITING the worker exits.
 * Until READY, stderr is for the parent's error message when start-up fails; after it the worker writes none.
 */
final class RenderWorker {

  static final byte OK = 0;
  static final byte ERROR = 1;
  static final byte ERROR_EXITING = 2;
  static final byte READY = 3;
  static final int EXIT_OUT_OF_MEMORY = 3;
  static final int EXIT_DEADLINE = 4;

  private static final int MAX_MESSAGE_CHARS = 2_000;
  private static final String OOM_MESSAGE = "render ran out of memory in the render worker";

  private RenderWorker() {}

  /** {@code args[0]}: milliseconds after which a single render halts this JVM even if nobody kills it. */
  public static void main(String[] args) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
    System.setOut(System.err); // a logger writing to stdout would corrupt the frames
    DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
    long deadlineMillis = args.length > 0 ? Long.parseLong(args[0]) : 0;
    SelfDeadline deadline = new SelfDeadline(deadlineMillis);
    JsvgRenderer renderer = new JsvgRenderer();
    out.writeByte(READY);
    out.flush();
    // The parent reads our stderr only when start-up fails; from here on nobody drains it, so a full pipe would
    // block a render. Whatever a library would print now (JSVG's warnings on bad SVGs) goes nowhere.
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    System.setErr(nowhere);
    System.setOut(nowhere);
    LogManager.getLogManager().reset(); // JUL's console handler may hold the old System.err
    while (true) {
      int length;
      try {
        length = in.readInt();
      } catch (EOFException parentClosedStdin) {
        return;
      }
      if (length < 0 || length > JsvgRenderer.MAX_INPUT_BYTES) {
        throw new IOException("bad frame length " + length); // a parent bug: exit, the parent replaces us
      }
      String svg = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      deadline.start();
      try {
        byte[] png = renderer.renderPng(svg);
        out.writeByte(OK);
        out.writeInt(png.length);
        out.write(png);
      } catch (SvgRenderException e) {
        writeError(out, ERROR, e.reason(), e.getMessage());
      } catch (OutOfMemoryError e) {
        // The render's garbage is unreachable now, so there is room to answer; the heap may be fragmented or a
        // JDK cache half-built, so don't serve another render from this JVM.
        writeError(out, ERROR_EXITING, Reason.FAILED, OOM_MESSAGE);
        out.flush();
        Runtime.getRuntime().halt(EXIT_OUT_OF_MEMORY);
      } catch (RuntimeException | Error e) {
        writeError(out, ERROR_EXITING, Reason.FAILED, "render worker failed: " + e);
        out.flush();
        Runtime.getRuntime().halt(1);
      } finally {
        deadline.stop();
      }
      out.flush();
    }
  }

  private static void writeError(DataOutputStream out, byte kind, Reason reason, String message) throws IOException {
    String text = message == null ? "" : message;
    out.writeByte(kind);
    out.writeUTF(reason.name());
    out.writeUTF(text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) : text);
  }

  /** Halts this JVM when one render outlives the deadline: an orphaned worker (parent SIGKILLed) can't spin forever. */
  private static final class SelfDeadline {
    private final long limitNanos;
    private volatile long startedAt;
    private volatile boolean busy;

    SelfDeadline(long limitMillis) {
      this.limitNanos = limitMillis * 1_000_000L;
      if (limitMillis > 0) {
        Thread thread = new Thread(this::watch, "render-worker-deadline");
        thread.setDaemon(true);
        thread.start();
      }
    }

    void start() {
      startedAt = System.nanoTime();
      busy = true;
    }

    void stop() {
      busy = false;
    }

    private void watch() {
      while (true) {
        try {
          Thread.sleep(Math.max(1, limitNanos / 4_000_000L));
        } catch (InterruptedException e) {
          return;
        }
        if (busy && System.nanoTime() - startedAt > limitNanos) {
          Runtime.getRuntime().halt(EXIT_DEADLINE);
        }
      }
    }
  }
}
