package io.openmms.server.web;

import io.javalin.http.Context;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Renders the web pages: Pebble templates from {@code templates/*.peb} on the class path, with
 * HTML auto-escaping on, so nothing a user typed can inject markup. Every page gets the signed-in
 * user ({@code me}) and the session's CSRF token ({@code csrf}) for its forms.
 */
public final class Pages {
  /** The Chart.js bundle served from the WebJar on the class path (never from a CDN). */
  public static final String CHART_JS = "/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
  private final PebbleEngine engine;

  public Pages() {
    ClasspathLoader loader = new ClasspathLoader();
    loader.setPrefix("templates");
    loader.setSuffix(".peb");
    this.engine = new PebbleEngine.Builder().loader(loader).autoEscaping(true)
        .strictVariables(false).build();
  }

  /** Renders {@code template} with the model plus {@code me}, {@code csrf} and {@code chartJs}. */
  public void render(Context ctx, String template, Map<String, Object> model) {
    Map<String, Object> m = new HashMap<>(model);
    m.put("me", ctx.attribute(WebAuth.USER));
    m.put("csrf", WebAuth.csrfToken(ctx));
    m.put("chartJs", CHART_JS);
    m.put("path", ctx.path());
    PebbleTemplate t = engine.getTemplate(template);
    StringWriter w = new StringWriter();
    try {
      t.evaluate(w, m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.html(w.toString());
  }
}
