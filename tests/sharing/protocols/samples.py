"""What the protocol tests share: the demo partnership's agencies and a small valid file."""

from __future__ import annotations

from pathlib import Path

from sharing.demo.partnership import AGENCIES
from sharing.vocabulary import AgencyType

#: The demo partnership's agencies: code → type, as the hub's database would give them.
DEMO_AGENCIES: dict[str, AgencyType] = {spec.code: spec.type for spec in AGENCIES}

#: The repository's protocols folder.
SHIPPED = Path(__file__).parents[3] / "protocols"

#: A small valid protocol: two parties, one purpose, two clauses.
VALID = """\
id = "test-protocol"
title = "Test protocol"
version = 1
handling = "OFFICIAL"
start = 2026-04-01
end = 2029-03-31
review = 2027-03-31
retention = "Kept while the share is live, then deleted."

[[parties]]
agency_type = "landlord"
signatory_role = "manager"

[[parties]]
agency = "northshire-police"
signatory_role = "dpo"

[[purposes]]
id = "asb_case_management"
title = "ASB case management"
article6 = "public_task"

[[clauses]]
id = "4.1"
purpose = "asb_case_management"
recipients = ["type:landlord", "northshire-police"]
roles = ["case_officer"]
categories = ["identity", "location"]

[[clauses]]
id = "4.2"
purpose = "asb_case_management"
recipients = ["northshire-police"]
roles = ["manager"]
categories = ["narrative"]
requires_share = false
priorities = ["red_urgent"]
"""
