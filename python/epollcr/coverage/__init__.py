"""The coverage gate: lcov tracefiles, coverage/scope, coverage/thresholds, the report."""
