"""The Community Trigger (ASB Case Review): the area's procedure as data, working-day
clocks and the threshold engine."""

from datetime import date

#: The Community Trigger (the ASB Case Review) began on 20 October 2014 (Anti-social
#: Behaviour, Crime and Policing Act 2014, sections 104 and 105): no application is older.
#: Here, where it imports nothing of the Trigger's workings: the lists of applications
#: read it as well as the checks of an application.
EARLIEST_RECEIVED = date(2014, 10, 20)
