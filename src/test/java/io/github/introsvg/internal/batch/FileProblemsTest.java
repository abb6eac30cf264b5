package io.github.introsvg.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every shape in which the JDK reports a file error comes out as the cause in words, after the path. */
class FileProblemsTest {

  @TempDir Path dir;

  @Test
  void everyCauseIsNamedInWords() throws Exception {
    Path out = dir.resolve("out");
    Path png = out.resolve("final_pngs/a.png");

    assertThat(message("write", png, new IOException("No space left on device")))
        .isEqualTo("can't write " + png + ": no space left on device");
    assertThat(message("append to", png, new IOException("File too large")))
        .isEqualTo("can't append to " + png + ": file too large (a file-size limit? see ulimit -f)");
    assertThat(message("write", png, new IOException("Disk quota exceeded"))).endsWith(": disk quota exceeded");
    assertThat(message("write", png, new AccessDeniedException(png.toString()))).endsWith(": permission denied");
    assertThat(message("open", png, new FileNotFoundException(png + " (Permission denied)"))).endsWith(": permission denied");
    assertThat(message("open", png, new FileNotFoundException(png + " (Read-only file system)"))).endsWith(": read-only file system");
    assertThat(message("write", png, new FileSystemException(png.toString(), null, "Read-only file system")))
        .endsWith(": read-only file system");
    assertThat(message("open", png, new FileNotFoundException(png + " (Is a directory)"))).endsWith(": it is a directory, not a file");
    assertThat(message("open", png, new NoSuchFileException(png.toString()))).endsWith(": no such file or directory");
    assertThat(message("open", png, new IOException("Input/output error"))).endsWith(": Input/output error");
  }

  @Test
  void notADirectoryNamesThePartOfThePathThatIsAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("out.txt"), "x");

    assertThat(message("create output directory", file, new FileAlreadyExistsException(file.toString())))
        .isEqualTo("can't create output directory " + file + ": it is a file, not a directory");
    assertThat(message("open", file.resolve("journal.jsonl"), new FileNotFoundException(file.resolve("journal.jsonl") + " (Not a directory)")))
        .isEqualTo("can't open " + file.resolve("journal.jsonl") + ": " + file + " is a file, not a directory");
  }

  private static String message(String doing, Path path, IOException e) {
    return FileProblems.problem(doing, path, e).getMessage();
  }
}
