package io.openmms.common.wire;

/**
 * One replica-set member as {@code replSetGetStatus} reports it.
 *
 * @param name {@code host:port}
 * @param stateStr PRIMARY, SECONDARY, ...
 * @param health 1 when reachable from the reporting member, 0 otherwise
 * @param optimeDate the member's last applied optime, epoch milliseconds, or {@code null}
 */
public record MemberStatus(String name, String stateStr, int health, Long optimeDate) {}
