"""Benchmarks: generated event-stream corpora (`bench.corpora`) and the CPython parser benchmark
(`bench.parser_bench`)."""
