package io.openmms.server.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers for Ops-Manager-shaped JSON: ISO timestamps, {@code links}, list envelopes. */
public final class Links {
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Links() {}

  /** {@code 2026-11-21T10:00:00Z}, or {@code null} for {@code null} / 0. */
  public static String iso(Instant t) {
    return t == null || t.toEpochMilli() == 0 ? null : ISO.format(t);
  }

  public static String iso(long epochMillis) {
    return epochMillis == 0 ? null : ISO.format(Instant.ofEpochMilli(epochMillis));
  }

  public static List<Map<String, Object>> self(String href) {
    return List.of(Map.of("href", href, "rel", "self"));
  }

  /**
   * A paged list envelope: {@code {"links": [...], "results": [...], "totalCount": n}}.
   *
   * @param pageNum 1-based page
   */
  public static Map<String, Object> page(String href, List<?> all, int pageNum, int itemsPerPage) {
    int from = Math.min(all.size(), (pageNum - 1) * itemsPerPage);
    int to = Math.min(all.size(), from + itemsPerPage);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("links", self(href));
    out.put("results", all.subList(from, to));
    out.put("totalCount", all.size());
    return out;
  }
}
