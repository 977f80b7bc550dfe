package io.openmms.common.wire;

/**
 * The JSON error body of every openmms HTTP endpoint (SPEC §7):
 * {@code {"error": 400, "errorCode": "INVALID_PAYLOAD", "detail": "..."}}.
 */
public record ApiError(int error, String errorCode, String detail) {}
