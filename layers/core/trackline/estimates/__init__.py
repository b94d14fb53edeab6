"""Estimated delivery dates from the deployment's own delivered history.

Pure domain code, no I/O: business-day arithmetic (`business_days`), the contract's order cut-off
and processing rules (`pickup`), the lanes a delivery is counted under (`lanes`), transit-time
histograms (`histogram`), the per-courier defaults used while history is thin (`defaults`), and
the prediction itself (`prediction`, `tracking_estimate`). The repository
(trackline.repository.transit_stats) stores the histograms; the services use both.
"""
