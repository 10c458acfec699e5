"""Performance benchmark of the service (bin/bench): data at scale, latency, throughput, memory."""
