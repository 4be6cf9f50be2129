"""Risk: the Risk Assessment Matrix (versioned data), assessments on cases, harm-centred
triage changes, escalation prompts, what partners see of shared risk, and the "also known
to" flag."""
