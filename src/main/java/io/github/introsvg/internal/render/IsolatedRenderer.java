package io.github.introsvg.internal.render;

import io.github.introsvg.internal.GapTimer;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SvgRenderer} that renders with {@link JsvgRenderer} in a small pool of child JVMs, each with a capped
 * heap, and kills a worker whose render outlives the timeout; bounds every render's wall time and memory.
 * Thread-safe; never more than {@code workers} worker processes alive; {@link #close()} kills every worker.
 * Workers start on the first renders that need them, from where this library's classes were loaded
 * ({@link WorkerClasspath}), never from {@code java.class.path}.
 */
public final class IsolatedRenderer implements SvgRenderer, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(IsolatedRenderer.class);
  private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

  private final int workers;
  private final Duration timeout;
  private final Duration startTimeout;
  private final List<String> jvmOptions; // the worker's command up to -cp
  private List<String> command; // found on the first start, under spawnLock: building spawns nothing, reads nothing
  private final Semaphore permits;
  private static final int WARM_UP_RENDERS = 20;
  private static final int STDERR_LINES = 20;
  private static final String WARM_UP_SVG = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">"
      + "<path d=\"M4 12l5 5L20 6\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\"/>"
      + "<circle cx=\"12\" cy=\"12\" r=\"9\" fill=\"#e33\" opacity=\".5\"/></svg>";

  private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
  private final Set<Worker> live = ConcurrentHashMap.newKeySet();
  private final Object spawnLock = new Object(); // guards idle-or-start decisions so live never exceeds workers
  private final ScheduledThreadPoolExecutor killer;
  private volatile boolean closed;

  private IsolatedRenderer(Builder builder) {
    this.workers = builder.workers;
    this.timeout = builder.timeout;
    this.startTimeout = builder.startTimeout;
    this.permits = new Semaphore(workers, true);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + builder.workerHeap,
        "-XX:+UseSerialGC", // no parallel GC threads per worker; a 96 MB heap doesn't need them
        "-XX:TieredStopAtLevel=1", // C1 only: warms up in a few renders, and most workers die young
        "-Xshare:auto",
        "-Djava.awt.headless=true"));
    command.addAll(builder.workerJvmOptions);
    this.jvmOptions = List.copyOf(command);
    this.killer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "isolated-renderer-timeout");
      thread.setDaemon(true);
      return thread;
    });
    killer.setRemoveOnCancelPolicy(true);
    // No shutdown hook: on SIGTERM it would kill workers while the CLI's own hook lets in-flight prompts finish.
    // A worker exits by itself when its stdin closes, which the OS does when this JVM dies.
  }

  /** A renderer with the defaults: one worker per core, 5 s per render, 96 MB heap per worker. */
  public static IsolatedRenderer create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every worker now, in the background, and has each render a small icon a few times, so the first
   * renders of a run neither wait for JVM start-up nor run interpreted; renders asked for meanwhile wait for a
   * ready worker as usual.
   */
  public void prestart() {
    Thread boot = new Thread(() -> {
      try {
        // Spawning is quick; the workers' JVMs then boot in parallel. Renders may start workers meanwhile.
        while (!closed) {
          synchronized (spawnLock) {
            if (live.size() >= workers) break;
            idle.push(start());
          }
        }
      } catch (RuntimeException e) {
        log.debug("render worker prestart failed: {}", e.toString()); // the first real render will say why
        return;
      }
      for (int i = 0; i < workers; i++) {
        Thread warmUp = new Thread(() -> {
          try {
            for (int n = 0; n < WARM_UP_RENDERS && !closed; n++) renderPng(WARM_UP_SVG);
          } catch (RuntimeException e) {
            log.debug("render worker warm-up failed: {}", e.toString());
          }
        }, "isolated-renderer-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
      }
    }, "isolated-renderer-prestart");
    boot.setDaemon(true);
    boot.start();
  }

  /**
   * Renders in a worker process; waits for a free worker when all {@code workers} are busy.
   *
   * @throws SvgRenderException TIMED_OUT when the render outlives the timeout, FAILED when the worker ran out of
   *     memory or died, or the renderer's own reason for a refused SVG
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public byte[] renderPng(String svg) {
    Objects.requireNonNull(svg, "svg == null");
    byte[] bytes = JsvgRenderer.utf8WithinInputCap(svg); // don't ship megabytes to a worker just to be refused
    ensureOpen();
    long waiting = System.nanoTime();
    try {
      permits.acquire();
      GapTimer.spent(GapTimer.Part.RENDER_WAIT, System.nanoTime() - waiting);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SvgRenderException(Reason.FAILED, "interrupted while waiting for a render worker", e);
    }
    try {
      return renderOnWorker(bytes);
    } finally {
      permits.release();
    }
  }

  private byte[] renderOnWorker(byte[] svg) {
    Worker worker = borrow();
    if (!worker.ready) awaitReady(worker); // JVM boot has its own allowance: it isn't the SVG's fault
    long start = System.nanoTime();
    Deadline deadline = deadline(worker, timeout);
    boolean reusable = false;
    try {
      worker.toWorker.writeInt(svg.length);
      worker.toWorker.write(svg);
      worker.toWorker.flush();
      byte kind = worker.fromWorker.readByte();
      if (kind == RenderWorker.OK) {
        byte[] png = new byte[worker.fromWorker.readInt()];
        worker.fromWorker.readFully(png);
        reusable = true;
        return png;
      }
      Reason reason = Reason.valueOf(worker.fromWorker.readUTF());
      String message = worker.fromWorker.readUTF();
      reusable = kind == RenderWorker.ERROR;
      throw new SvgRenderException(reason, message);
    } catch (IOException | IllegalArgumentException e) {
      throw workerLost(worker, !deadline.stopBeforeKill(), start, e);
    } finally {
      if (deadline.stopBeforeKill() && reusable && !closed && worker.process.isAlive()) {
        idle.push(worker);
      } else {
        discard(worker);
      }
    }
  }

  /** Waits for a fresh worker's ready byte, up to the start timeout; on failure discards it and throws FAILED. */
  private void awaitReady(Worker worker) {
    Deadline deadline = deadline(worker, startTimeout);
    String why;
    String stderr = "";
    Exception cause = null;
    try {
      byte first = worker.fromWorker.readByte();
      if (deadline.stopBeforeKill() && first == RenderWorker.READY) {
        worker.ready = true;
        return;
      }
      why = first == RenderWorker.READY ? "within " + Durations.exact(startTimeout) : "(sent " + first + ")";
    } catch (IOException e) {
      cause = e;
      if (deadline.stopBeforeKill()) {
        // stdout ended: the JVM is exiting by itself. Read what it said before destroying it closes the pipe.
        if (!closed && exitsWithin(worker.process, Duration.ofSeconds(2))) {
          stderr = lastLines(worker.process.getErrorStream(), STDERR_LINES);
        }
        worker.process.destroyForcibly();
        why = closed ? "(renderer was closed)" : "(exit code " + waitForExit(worker.process) + ")";
      } else {
        why = "within " + Durations.exact(startTimeout);
      }
    }
    discard(worker);
    log.debug("render worker {} did not start {}", worker.process.pid(), why);
    throw new SvgRenderException(Reason.FAILED, "render worker did not start " + why + (stderr.isEmpty() ? ""
        : "; the last lines of its stderr:\n" + stderr + "its command: " + String.join(" ", command)
            + "\nCheck that this JVM may start processes and that the command above runs; " + WorkerClasspath.FIX),
        cause);
  }

  /** The last {@code count} lines of a dead process's output, each indented and ending in a newline. */
  static String lastLines(InputStream stream, int count) {
    String text;
    try (InputStream in = stream) {
      text = new String(in.readNBytes(256 * 1024), StandardCharsets.UTF_8); // a pipe holds far less
    } catch (IOException e) {
      return "";
    }
    List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
    StringBuilder tail = new StringBuilder();
    for (String line : lines.subList(Math.max(0, lines.size() - count), lines.size())) {
      tail.append("  ").append(line.length() > 500 ? line.substring(0, 500) + "..." : line).append('\n');
    }
    return tail.toString();
  }

  private Deadline deadline(Worker worker, Duration limit) {
    try {
      return new Deadline(killer, worker.process, limit);
    } catch (RejectedExecutionException closedMeanwhile) {
      discard(worker);
      throw new SvgRenderException(Reason.FAILED, "renderer was closed during the render", closedMeanwhile);
    }
  }

  private SvgRenderException workerLost(Worker worker, boolean timedOut, long start, Exception cause) {
    if (timedOut) {
      log.debug("render worker {} killed after {} ms", worker.process.pid(), (System.nanoTime() - start) / 1_000_000);
      return new SvgRenderException(Reason.TIMED_OUT, "render took longer than " + Durations.exact(timeout), cause);
    }
    if (closed) {
      return new SvgRenderException(Reason.FAILED, "renderer was closed during the render", cause);
    }
    worker.process.destroyForcibly();
    int exit = waitForExit(worker.process);
    String why = exit == RenderWorker.EXIT_OUT_OF_MEMORY ? "ran out of memory" : "died with exit code " + exit;
    log.debug("render worker {} {}: {}", worker.process.pid(), why, cause.toString());
    return new SvgRenderException(Reason.FAILED, "render worker " + why, cause);
  }

  private Worker borrow() {
    synchronized (spawnLock) { // we hold a permit, so with no idle worker live < workers and we may start one
      while (true) {
        Worker worker = idle.poll();
        if (worker == null) {
          return start();
        }
        if (worker.process.isAlive()) {
          return worker;
        }
        discard(worker); // died while idle (killed from outside): replace it
      }
    }
  }

  private Worker start() { // under spawnLock
    if (command == null) {
      List<String> full = new ArrayList<>(jvmOptions);
      full.addAll(List.of("-cp", WorkerClasspath.forWorker(), RenderWorker.class.getName(),
          // The worker halts itself a little after we would have killed it: covers a parent killed with SIGKILL.
          Long.toString(timeout.toMillis() * 2 + 1_000)));
      command = List.copyOf(full);
    }
    Process process;
    try {
      // stderr stays a pipe nobody drains: read only when start-up fails; once ready the worker writes none.
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new SvgRenderException(Reason.FAILED, "could not start a render worker: " + e.getMessage()
          + "; " + WorkerClasspath.FIX, e);
    }
    Worker worker = new Worker(process);
    live.add(worker);
    if (closed) { // close() ran while we were starting it: the render in progress fails like any other
      discard(worker);
      throw new SvgRenderException(Reason.FAILED, "renderer was closed during the render");
    }
    log.debug("started render worker {}", process.pid());
    return worker;
  }

  private void discard(Worker worker) {
    live.remove(worker);
    worker.process.destroyForcibly();
  }

  /** Kills every worker, busy or idle, and waits for them to exit; renders in progress fail. Idempotent. */
  @Override
  public void close() {
    closed = true;
    List<Process> processes = new ArrayList<>();
    for (Worker worker : live) {
      processes.add(worker.process);
      discard(worker);
    }
    idle.clear();
    processes.forEach(IsolatedRenderer::waitForExit);
    killer.shutdownNow();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("renderer is closed");
    }
  }

  private static int waitForExit(Process process) {
    try {
      return process.waitFor(); // destroyForcibly is SIGKILL: this returns promptly
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static boolean exitsWithin(Process process, Duration limit) {
    try {
      return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public String toString() {
    return "IsolatedRenderer{workers=" + workers + ", timeout=" + Durations.exact(timeout) + ", live=" + live.size() + "}";
  }

  /**
   * Kills a worker when a blocking exchange with it outlives a limit. The kill and the caller's
   * {@link #stopBeforeKill()} race for one claim, so a worker is never both reused and killed.
   */
  private static final class Deadline {
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final ScheduledFuture<?> kill;
    private boolean stoppedFirst; // caller's thread only

    Deadline(ScheduledExecutorService killer, Process process, Duration limit) {
      this.kill = killer.schedule(() -> {
        if (claimed.compareAndSet(false, true)) {
          process.destroyForcibly(); // unblocks the caller's read with EOF
        }
      }, limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the deadline; true if it hadn't fired (the worker wasn't and won't be killed by it). Idempotent. */
    boolean stopBeforeKill() {
      kill.cancel(false);
      if (claimed.compareAndSet(false, true)) {
        stoppedFirst = true;
      }
      return stoppedFirst;
    }
  }

  private static final class Worker {
    final Process process;
    final DataOutputStream toWorker;
    final DataInputStream fromWorker;
    boolean ready; // read its ready byte; touched only by the thread holding the worker

    Worker(Process process) {
      this.process = process;
      this.toWorker = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 64 * 1024));
      this.fromWorker = new DataInputStream(new BufferedInputStream(process.getInputStream(), 64 * 1024));
    }
  }

  /** Settings for an {@link IsolatedRenderer}. */
  public static final class Builder {
    private int workers = Runtime.getRuntime().availableProcessors();
    private Duration timeout = Duration.ofSeconds(5);
    private Duration startTimeout = Duration.ofSeconds(15);
    private String workerHeap = "96m";
    private List<String> workerJvmOptions = List.of();

    private Builder() {}

    /** Most worker processes alive at once, and so most renders in parallel; default: one per core. */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers < 1: " + workers);
      }
      this.workers = workers;
      return this;
    }

    /** Wall-clock limit per render, from the worker being ready (its JVM start-up is not counted); default 5 s. */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Maximum heap of each worker JVM, in {@code -Xmx} syntax; default {@code 96m}. */
    public Builder workerHeap(String workerHeap) {
      Objects.requireNonNull(workerHeap, "workerHeap == null");
      if (!HEAP_SIZE.matcher(workerHeap).matches()) {
        throw new IllegalArgumentException("not an -Xmx size: " + workerHeap);
      }
      this.workerHeap = workerHeap;
      return this;
    }

    /** Limit on a fresh worker's JVM start-up, counted separately from the render; default 15 s. For tests. */
    Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout == null");
      this.startTimeout = startTimeout;
      return this;
    }

    /** Extra options for each worker JVM, e.g. a test agent that slows its start-up. For tests. */
    Builder workerJvmOptions(String... options) {
      this.workerJvmOptions = List.of(options);
      return this;
    }

    public IsolatedRenderer build() {
      return new IsolatedRenderer(this);
    }
  }
}
