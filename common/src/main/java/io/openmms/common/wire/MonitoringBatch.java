package io.openmms.common.wire;

import java.util.List;

/**
 * What the monitoring agent posts to {@code /agents/api/monitoring/v1/samples}: the samples of one
 * or more polls, in time order. See {@code docs/agent-protocol.md}.
 *
 * @param agentId a stable id of the agent instance (kept in its data directory)
 * @param seq the batch's sequence number, increasing by one per batch the agent creates
 * @param agentVersion the agent's version
 * @param samples the samples, oldest first
 */
public record MonitoringBatch(String agentId, long seq, String agentVersion,
    List<HostSample> samples) {}
