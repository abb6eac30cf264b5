package io.github.introsvg.cli;

import io.github.introsvg.batch.BatchInterruptedException;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.batch.PromptFileException;
import io.github.introsvg.batch.ResumeConflictException;
import io.github.introsvg.batch.RunFolderBusyException;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.loop.PromptInterruptedException;
import io.github.introsvg.render.SvgRenderException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/** Turns whatever ended a command into one sentence for the user and an exit code. */
record Failure(int exitCode, String message) {

  /** Server failures need no URL added: every {@code LmdeployException} message names the server already. */
  static Failure of(Throwable e) {
    if (e instanceof CommandLine.ParameterException) return new Failure(ExitCodes.USAGE, e.getMessage());
    if (e instanceof UsageException) return new Failure(ExitCodes.USAGE, e.getMessage());
    if (e instanceof PromptFileException || e instanceof ResumeConflictException || e instanceof DamagedRunFileException) {
      return new Failure(ExitCodes.USAGE, e.getMessage());
    }
    if (e instanceof RunFolderBusyException) return new Failure(ExitCodes.OUT_BUSY, e.getMessage() + ".");
    if (e instanceof BatchInterruptedException b) {
      return new Failure(ExitCodes.INTERRUPTED, "Interrupted: " + (b.summary().ok() + b.summary().failed()) + " of "
          + Console.count(b.summary().rows() - b.summary().invalid(), "prompt") + " done. Run the same command again to resume; "
          + "no answered turn will be asked again (journal: " + b.summary().outDir().resolve("journal.jsonl") + ").");
    }
    if (e instanceof PromptInterruptedException || e instanceof LmdeployException.Interrupted) {
      return new Failure(ExitCodes.INTERRUPTED, "Interrupted.");
    }
    if (e instanceof LmdeployException.ServerUnavailable) {
      return new Failure(ExitCodes.SERVER_UNREACHABLE, e.getMessage() + ". The prompts already done are kept;"
          + " when the server is back, run the same command again to resume.");
    }
    if (e instanceof LmdeployException.Io) {
      return new Failure(ExitCodes.SERVER_UNREACHABLE, e.getMessage()
          + ". Is lmdeploy running there? Start it with ./lmdeploy-launch.sh, pass --server URL, or try --mock.");
    }
    if (e instanceof LmdeployException.ServerError || e instanceof LmdeployException.InvalidResponse) {
      return new Failure(ExitCodes.SERVER_UNREACHABLE, e.getMessage() + ". It kept failing after every retry;"
          + " see the server's log.");
    }
    if (e instanceof LmdeployException.Unauthorized) {
      return new Failure(ExitCodes.SERVER_REFUSED, e.getMessage()
          + ". Set INTROSVG_API_KEY or --api-key-file to a key the server was started with.");
    }
    if (e instanceof LmdeployException.UnknownModel) {
      // 404: the named model is not served; otherwise the server lists several and one must be named.
      String fix = ((LmdeployException) e).statusCode() == 404
          ? "Pass one of those with --model, or leave --model out to use the one the server serves."
          : e.getMessage().contains("do not serve the same model")
              ? "Give only --server URLs that serve the same model."
              : "Pass --model NAME.";
      return new Failure(ExitCodes.SERVER_REFUSED, e.getMessage() + ". " + fix);
    }
    if (e instanceof LmdeployException) { // 400: the server refused the request itself
      return new Failure(ExitCodes.SERVER_REFUSED, e.getMessage());
    }
    if (e instanceof SvgRenderException) return new Failure(ExitCodes.RENDER_FAILED, "can't render: " + e.getMessage());
    if (e instanceof UncheckedIOException) return new Failure(ExitCodes.OUTPUT_FAILED, e.getMessage());
    return new Failure(ExitCodes.INTERNAL, "internal error: " + e + " (run with --verbose for the stack trace)");
  }

  /** A mistake in what the user asked for, found after the command line parsed. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
