/*
 * dt_ht_impl.h: what the parts of lib/hypertrace share: the syscall name
 * table (generated at build time, dt_ht_scnames.c) and guest probe naming.
 */
#ifndef DT_HT_IMPL_H
#define DT_HT_IMPL_H

#include "hypertrace/guest_abi.h"

#define DT_HT_NSYSCALLS HT_NR_SYSCALLS

/* x86-64 syscall names by number (NULL: no such syscall). */
extern const char *const dt_ht_scnames[DT_HT_NSYSCALLS];

#endif /* DT_HT_IMPL_H */
