package io.openmms.server.http;

/**
 * A request that cannot be served, with the HTTP status and Ops-Manager-style error code it maps
 * to. The message is the {@code detail} shown to the caller: it names the bad field or value.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String errorCode;

  public ApiException(int status, String errorCode, String detail) {
    super(detail);
    this.status = status;
    this.errorCode = errorCode;
  }

  public static ApiException badRequest(String errorCode, String detail) {
    return new ApiException(400, errorCode, detail);
  }

  public static ApiException notFound(String errorCode, String detail) {
    return new ApiException(404, errorCode, detail);
  }

  public int status() {
    return status;
  }

  public String errorCode() {
    return errorCode;
  }
}
