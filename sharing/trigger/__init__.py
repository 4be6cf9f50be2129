"""The Community Trigger (ASB Case Review): the area's procedure as data, working-day
clocks and the threshold engine."""
