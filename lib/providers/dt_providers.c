/*
 * dt_providers.c: the dtrace and profile providers' probe table, on-demand
 * profile-N/tick-N probes with every unit DTrace accepts, -l listing and
 * the compiler's probe lookup callback.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_glob.h"
#include "providers/dt_providers.h"

int dt_prov_match(const dt_probedesc_t *pd, const dt_probe_t *p)
{
	return dt_glob_match(pd->provider, p->prov) && dt_glob_match(pd->module, p->mod) &&
	       dt_glob_match(pd->function, p->func) && dt_glob_match(pd->name, p->name);
}

uint32_t dt_prov_add(dt_provset_t *ps, const char *prov, const char *mod,
		     const char *func, const char *name, int kind,
		     uint64_t interval)
{
	dt_probe_t *np = realloc(ps->probes, (ps->n + 1) * sizeof(*np));
	uint8_t *nk;
	uint64_t *ni;

	if (np == NULL)
		return 0;
	ps->probes = np;
	nk = realloc(ps->kind, ps->n + 1);
	if (nk == NULL)
		return 0;
	ps->kind = nk;
	ni = realloc(ps->interval, (ps->n + 1) * sizeof(*ni));
	if (ni == NULL)
		return 0;
	ps->interval = ni;
	np[ps->n].id = ps->n + 1;
	np[ps->n].prov = strdup(prov);
	np[ps->n].mod = strdup(mod);
	np[ps->n].func = strdup(func);
	np[ps->n].name = strdup(name);
	nk[ps->n] = (uint8_t)kind;
	ni[ps->n] = interval;
	return ++ps->n;
}

int dt_prov_rate(const char *name, uint64_t *ns)
{
	static const struct {
		const char *u;
		uint64_t mult; /* ns per unit; 0 = hz */
	} units[] = {
		{"ns", 1}, {"nsec", 1}, {"us", 1000}, {"usec", 1000},
		{"ms", 1000000}, {"msec", 1000000}, {"s", 1000000000ULL},
		{"sec", 1000000000ULL}, {"m", 60000000000ULL},
		{"min", 60000000000ULL}, {"h", 3600000000000ULL},
		{"hour", 3600000000000ULL}, {"d", 86400000000000ULL},
		{"day", 86400000000000ULL}, {"hz", 0}, {"", 0},
	};
	const char *p;
	char *end;
	unsigned long long v;

	if (strncmp(name, "profile-", 8) == 0)
		p = name + 8;
	else if (strncmp(name, "tick-", 5) == 0)
		p = name + 5;
	else
		return -1;
	if (!isdigit((unsigned char)*p))
		return -1;
	v = strtoull(p, &end, 10);
	if (v == 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u) != 0)
			continue;
		*ns = units[i].mult ? v * units[i].mult : 1000000000ULL / v;
		/* DTrace refuses periods under 200us for profile/tick. */
		if (*ns < 200000 || *ns == 0)
			return -1;
		return 0;
	}
	return -1;
}

int dt_prov_init(dt_provset_t *ps)
{
	static const char *const std[] = {
		"profile-97", "profile-199", "profile-499", "profile-997",
		"profile-1999", "profile-4001", "profile-4999", "tick-1",
		"tick-10", "tick-100", "tick-500", "tick-1000", "tick-5000",
		"tick-1s",
	};

	memset(ps, 0, sizeof(*ps));
	if (!dt_prov_add(ps, "dtrace", "", "", "BEGIN", DT_PK_DTRACE, 0) ||
	    !dt_prov_add(ps, "dtrace", "", "", "END", DT_PK_DTRACE, 0) ||
	    !dt_prov_add(ps, "dtrace", "", "", "ERROR", DT_PK_DTRACE, 0))
		return -1;
	for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		uint64_t ns;

		dt_prov_rate(std[i], &ns);
		if (!dt_prov_add(ps, "profile", "", "", std[i],
				 std[i][0] == 'p' ? DT_PK_PROFILE : DT_PK_TICK,
				 ns))
			return -1;
	}
	return 0;
}

void dt_prov_fini(dt_provset_t *ps)
{
	for (uint32_t i = 0; i < ps->n; i++) {
		free((char *)ps->probes[i].prov);
		free((char *)ps->probes[i].mod);
		free((char *)ps->probes[i].func);
		free((char *)ps->probes[i].name);
	}
	free(ps->probes);
	free(ps->kind);
	free(ps->interval);
	memset(ps, 0, sizeof(*ps));
}

void dt_prov_ensure(dt_provset_t *ps, const dt_probedesc_t *pd)
{
	uint64_t ns;

	if (pd->name == NULL || dt_prov_rate(pd->name, &ns) != 0)
		return;
	if (pd->provider[0] && !dt_glob_match(pd->provider, "profile"))
		return;
	if ((pd->module[0] && strcmp(pd->module, "*")) ||
	    (pd->function[0] && strcmp(pd->function, "*")))
		return;
	for (uint32_t i = 0; i < ps->n; i++)
		if (strcmp(ps->probes[i].prov, "profile") == 0 &&
		    strcmp(ps->probes[i].name, pd->name) == 0)
			return;
	dt_prov_add(ps, "profile", "", "", pd->name,
		    pd->name[0] == 'p' ? DT_PK_PROFILE : DT_PK_TICK, ns);
}

int dt_prov_lookup(void *arg, const dt_probedesc_t *pd, dt_probeinfo_t *info)
{
	dt_provset_t *ps = arg;
	int n = 0;

	dt_prov_ensure(ps, pd);
	for (uint32_t i = 0; i < ps->n; i++) {
		const dt_probe_t *p = &ps->probes[i];

		if (!dt_prov_match(pd, p))
			continue;
		if (n++ == 0 && info != NULL) {
			memset(info, 0, sizeof(*info));
			info->id = p->id;
			info->provider = p->prov;
			info->module = p->mod;
			info->function = p->func;
			info->name = p->name;
			if (ps->kind[i] == DT_PK_PROFILE) {
				info->nargs = 2;
				info->argtypes[0] = "uint64_t";
				info->argtypes[1] = "uint64_t";
			} else if (strcmp(p->name, "ERROR") == 0) {
				info->nargs = 6;
				info->argtypes[0] = "uint64_t";
				info->argtypes[1] = "uint32_t";
				info->argtypes[2] = "int";
				info->argtypes[3] = "int";
				info->argtypes[4] = "int";
				info->argtypes[5] = "uint64_t";
			}
		}
	}
	return n;
}

int dt_prov_list(dt_provset_t *ps, FILE *out, const dt_probedesc_t *pd,
		 int header)
{
	int n = 0;

	if (header)
		fprintf(out, "%5s %10s %17s %33s %s\n", "ID", "PROVIDER",
			"MODULE", "FUNCTION", "NAME");
	if (pd)
		dt_prov_ensure(ps, pd);
	for (uint32_t i = 0; i < ps->n; i++) {
		const dt_probe_t *p = &ps->probes[i];

		if (pd && !dt_prov_match(pd, p))
			continue;
		fprintf(out, "%5u %10s %17s %33s %s\n", p->id, p->prov, p->mod,
			p->func, p->name);
		n++;
	}
	return n;
}
