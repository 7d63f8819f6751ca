import pytest

from tests.cms.running import stop_left_running


@pytest.fixture(autouse=True)
def no_cms_left_running():
    yield
    stop_left_running()
