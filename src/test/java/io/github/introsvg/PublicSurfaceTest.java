package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.loop.Candidate;
import io.github.introsvg.prompt.Critique;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What a stranger's code can touch is a decision: this test makes every change to it a visible one. */
class PublicSurfaceTest {

  private static final Path CLASSES = Path.of("target/classes");
  private static final Path SOURCES = Path.of("src/main/java");

  private static final Set<String> EXPORTED = Set.of(
      "io.github.introsvg",
      "io.github.introsvg.batch",
      "io.github.introsvg.lmdeploy",
      "io.github.introsvg.loop",
      "io.github.introsvg.mock",
      "io.github.introsvg.prompt",
      "io.github.introsvg.render");

  /** The public top-level types of the exported packages; docs/library.md ("What is public") lists the same. */
  private static final Set<String> PUBLIC_TYPES = Set.of(
      "io.github.introsvg.IntroSvg",
      "io.github.introsvg.batch.BatchInterruptedException",
      "io.github.introsvg.batch.BatchListener",
      "io.github.introsvg.batch.BatchSummary",
      "io.github.introsvg.batch.DamagedRunFileException",
      "io.github.introsvg.batch.Progress",
      "io.github.introsvg.batch.Prompt",
      "io.github.introsvg.batch.PromptFileException",
      "io.github.introsvg.batch.PromptRow",
      "io.github.introsvg.batch.ResumeConflictException",
      "io.github.introsvg.batch.RowProblem",
      "io.github.introsvg.batch.RunFolderBusyException",
      "io.github.introsvg.batch.Shard",
      "io.github.introsvg.lmdeploy.LmdeployException",
      "io.github.introsvg.lmdeploy.Sampling",
      "io.github.introsvg.lmdeploy.ServerStatusListener",
      "io.github.introsvg.lmdeploy.Sleeper",
      "io.github.introsvg.loop.Candidate",
      "io.github.introsvg.loop.LoopSettings",
      "io.github.introsvg.loop.Policy",
      "io.github.introsvg.loop.PromptInterruptedException",
      "io.github.introsvg.loop.PromptResult",
      "io.github.introsvg.loop.Role",
      "io.github.introsvg.loop.Turn",
      "io.github.introsvg.loop.TurnListener",
      "io.github.introsvg.mock.EngineStats",
      "io.github.introsvg.mock.Fault",
      "io.github.introsvg.mock.FaultPlan",
      "io.github.introsvg.mock.LatencyModel",
      "io.github.introsvg.mock.MockLmdeployServer",
      "io.github.introsvg.mock.RecordedRequest",
      "io.github.introsvg.prompt.Critique",
      "io.github.introsvg.render.SvgRenderException",
      "io.github.introsvg.render.SvgRenderer");

  @Test
  void moduleExportsOnlyTheApiPackages() throws IOException {
    assertThat(descriptor().exports())
        .allSatisfy(export -> assertThat(export.isQualified()).as(export.source()).isFalse())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactlyInAnyOrderElementsOf(EXPORTED);
  }

  @Test
  void exportedPackagesHoldOnlyTheAllowedPublicTypes() throws Exception {
    assertThat(publicTopLevelTypes()).containsExactlyInAnyOrderElementsOf(PUBLIC_TYPES);
  }

  @Test
  void everyPublicTypeHasJavadoc() throws Exception {
    List<String> undocumented = publicTopLevelTypes().stream().filter(name -> !hasJavadoc(name)).toList();
    assertThat(undocumented).as("public types without a /** comment before their declaration").isEmpty();
  }

  @Test
  void candidateHandsOutCopiesOfItsPng() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
    Candidate candidate = new Candidate(0, "<svg/>", png, Optional.of(new Critique(7, "fine", "none")));

    png[1] = 'X';
    candidate.png()[2] = 'X';

    assertThat(candidate.png()).containsExactly((byte) 0x89, 'P', 'N', 'G');
    assertThat(candidate.png()).isNotSameAs(candidate.png());
  }

  private static ModuleDescriptor descriptor() throws IOException {
    try (InputStream in = Files.newInputStream(CLASSES.resolve("module-info.class"))) {
      return ModuleDescriptor.read(in);
    }
  }

  private static Set<String> publicTopLevelTypes() throws Exception {
    Set<String> found = new TreeSet<>();
    for (String pkg : descriptor().exports().stream().map(ModuleDescriptor.Exports::source).toList()) {
      Path dir = CLASSES.resolve(pkg.replace('.', '/'));
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
          String simple = file.getFileName().toString().replace(".class", "");
          if (simple.contains("$") || simple.equals("package-info")) continue;
          Class<?> type = Class.forName(pkg + "." + simple, false, PublicSurfaceTest.class.getClassLoader());
          if (Modifier.isPublic(type.getModifiers())) found.add(type.getName());
        }
      }
    }
    return found;
  }

  /** A {@code /**} comment ends, with only annotations between it and the type's declaration. */
  private static boolean hasJavadoc(String typeName) {
    Path source = SOURCES.resolve(typeName.replace('.', '/') + ".java");
    String simple = typeName.substring(typeName.lastIndexOf('.') + 1);
    Pattern documented = Pattern.compile("\\*/\\s*(@[\\w.]+(\\([^)]*\\))?\\s*)*public\\s+(final\\s+|abstract\\s+|sealed\\s+)*"
        + "(class|interface|record|enum|@interface)\\s+" + simple + "\\b");
    try {
      return documented.matcher(Files.readString(source)).find();
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void libraryDocsNameEveryExportedPackageAndPublicType() throws IOException {
    String docs = Files.readString(Path.of("docs/library.md"));
    String section = docs.substring(docs.indexOf("## What is public"), docs.indexOf("## ", docs.indexOf("## What is public") + 3));

    assertThat(EXPORTED).allSatisfy(pkg -> assertThat(section).contains("`" + pkg + "`"));
    assertThat(PUBLIC_TYPES).allSatisfy(name -> assertThat(section).contains("`" + name.substring(name.lastIndexOf('.') + 1) + "`"));
  }

  @Test
  void allowListNamesOnlyTypesInExportedPackages() {
    assertThat(PUBLIC_TYPES.stream().map(name -> name.substring(0, name.lastIndexOf('.'))).collect(Collectors.toSet()))
        .isSubsetOf(EXPORTED);
  }
}
