"""Central office oversight: registry compliance, inspection scores, link checks, reach and model sites."""
