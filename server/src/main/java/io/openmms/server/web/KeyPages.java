package io.openmms.server.web;

import io.javalin.config.JavalinConfig;

/** Pages of the web application; see WebApp. Being built. */
final class KeyPages {
  void register(JavalinConfig config) {
    // routes are added here
  }
}
