/* dt_error.c: messages for the error codes of dt_error.h. */
#include <string.h>

#include "common/dt_error.h"

static const char *const dt_errtab_msgs[] = {
#define DT_ERRTAB_MSG(code, msg) msg,
	DT_ERRTAB(DT_ERRTAB_MSG)
#undef DT_ERRTAB_MSG
};

const char *dt_errmsg(int err)
{
	if (err >= EDT_BASE && err < EDT_MAX)
		return dt_errtab_msgs[err - EDT_BASE];
	if (err >= 0 && err < EDT_BASE)
		return strerror(err);
	return "unknown error";
}
