"""The dashboard's browser session: what its cookie holds, how it is sent, where it leads."""

from __future__ import annotations

import pytest

from tests.server.dashboard.conftest import Reviewer
from tests.world import World

OTHER_SITES = ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "http:/dashboard/inbox", ""]


@pytest.mark.parametrize("back", OTHER_SITES)
def test_bulk_approval_only_ever_leads_back_to_the_dashboard(reviewer: Reviewer, world: World, back: str) -> None:
    reviewer.sign_in("chief_a")
    reviewer.get("/dashboard/inbox")
    for logs in ([], [f"{world.inspections['A1']}:1"]):
        response = reviewer.post("/dashboard/inbox/approve", {"logs": logs, "back": back})
        assert response.status_code == 302 and response.headers["Location"] == "/dashboard/inbox"
