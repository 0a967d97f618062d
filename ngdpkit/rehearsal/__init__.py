"""The rehearsal against a local NgDP: the flow, the simulator and its registry and traffic,
the memo (MeMo) builder, the sample PKI and the sample data set.
"""
