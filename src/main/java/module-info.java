/**
 * IntroSVG's generate -> render -> critique -> refine loop against lmdeploy. {@link io.github.introsvg.IntroSvg}
 * is the front door; the exported packages hold only what an embedder's code touches (docs/library.md, "What is
 * public"). Everything under {@code io.github.introsvg.internal}, the CLI, the report and the benchmark helpers
 * may change in any release.
 */
module io.github.introsvg {
  exports io.github.introsvg;
  exports io.github.introsvg.batch;
  exports io.github.introsvg.lmdeploy;
  exports io.github.introsvg.loop;
  exports io.github.introsvg.mock;
  exports io.github.introsvg.prompt;
  exports io.github.introsvg.render;

  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires com.github.weisj.jsvg;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;
  requires io.github.resilience4j.retry;
  requires java.desktop; // JSVG renders into a BufferedImage, ImageIO encodes the PNG
  requires java.logging; // the CLI and the render worker silence java.util.logging
  requires java.management; // bench: CPU time per thread
  requires jdk.httpserver; // the mock server
  requires jdk.jfr; // ClientGapEvent
  requires kotlin.stdlib; // OkHttp's API is Kotlin
  requires okhttp3;
  requires okio;
  requires org.apache.commons.csv;
  requires org.slf4j;

  // The CLI's command line and logging backend: optional dependencies, present in the runnable jar only.
  requires static ch.qos.logback.classic;
  requires static ch.qos.logback.core;
  requires static info.picocli;

  // picocli sets the commands' annotated fields by reflection.
  opens io.github.introsvg.cli to info.picocli;
}
