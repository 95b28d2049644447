/* The event kinds and device_fault causes, and their names (event.h). */
#include <stddef.h>
#include <string.h>

#include "weighgate/event.h"

const char *
event_name(enum event_kind k)
{
	switch (k) {
	case EV_WEIGHING:		return "weighing";
	case EV_FORCED_ENTRY:		return "forced_entry";
	case EV_OVERRIDE:		return "override";
	case EV_BARRIER_UNAUTHORIZED:	return "barrier_unauthorized";
	case EV_PASS_TIMEOUT:		return "pass_timeout";
	case EV_UNWEIGHED_PASS:		return "unweighed_pass";
	case EV_MISSED_RESULTS:		return "missed_results";
	case EV_DEVICE_FAULT:		return "device_fault";
	case EV_DEVICE_RECOVERED:	return "device_recovered";
	case EV_SCALE_RESET:		return "scale_reset";
	case EV_STARTUP:		return "startup";
	case EV_CONFIG_RELOADED:	return "config_reloaded";
	case EV_LISTS_APPLIED:		return "lists_applied";
	case EV_DISK_LOW:		return "disk_low";
	case EV_CLOCK_STEP:		return "clock_step";
	case EV_CLOCK_SKEW:		return "clock_skew";
	case EV_CLOCK_OK:		return "clock_ok";
	case EV_STORE_REPLACED:		return "store_replaced";
	case EV_STORE_ROLLBACK:		return "store_rollback";
	case EV_ALARM_ACK:		return "alarm_ack";
	case EV_PLATE_READ:		return "plate_read";
	case EV_NKINDS:			break;
	}
	return "?";
}

int
event_from_name(const char *name, enum event_kind *k)
{
	int i;

	for (i = 0; i < EV_NKINDS; i++)
		if (strcmp(name, event_name((enum event_kind)i)) == 0) {
			*k = (enum event_kind)i;
			return 0;
		}
	return -1;
}

const char *
event_cause_name(enum event_cause c)
{
	switch (c) {
	case EC_SILENT:			return "silent";
	case EC_FAULT_BIT:		return "fault_bit";
	case EC_NOT_AT_COMMAND:		return "not_at_command";
	case EC_POSITION_INPUTS:	return "position_inputs";
	case EC_REPEATED:		return "repeated";
	case EC_IMPLAUSIBLE:		return "implausible";
	case EC_UNSETTLED:		return "unsettled";
	case EC_NCAUSES:		break;
	}
	return "?";
}
