"""`cms benchmark oversight` at smoke size: it measures what it says, on a tiny network."""

from benchmarks import oversight


def test_oversight_benchmark_smoke(db, settings):
    settings.CMS_LINK_CHECK_HOST_INTERVAL = 0
    figures = oversight.run(sites=20, items=3, links=60, hosts=3, progress=lambda line: None)
    print(oversight.report(figures))
    assert figures["sites"] == 20 and figures["scored"] == 24  # and the four session sites
    assert figures["dashboard_status"] == 200 and figures["dashboard_sql"] < 40
    assert figures["links"] == 60 and figures["links_broken"] == 2  # /page/0 and /page/50 are gone
    assert figures["refresh_sql"] <= 9
