"""Benchmarks: in-process latency, scoreboard scaling, HTTP throughput and a mixed load with faults."""
