/*
 * dt_error.h: the one table of libdtrace error codes and their messages.
 * Every failing call sets an error code from this table (in its handle or
 * through an out-parameter) and returns -1 (or NULL).
 *
 * Each layer owns one block below; add codes only to your layer's block.
 */
#ifndef DT_ERROR_H
#define DT_ERROR_H

#define DT_ERRTAB(X)                                                           \
	/* common */                                                           \
	X(EDT_OK, "no error")                                                  \
	X(EDT_NOMEM, "not enough memory")                                      \
	X(EDT_INVAL, "invalid argument")                                       \
	X(EDT_IO, "input/output error")                                        \
	X(EDT_NOTSUP, "operation not supported on this system")                \
	/* front end, types, code generation */                               \
	X(EDT_COMPILER, "D compilation failed")                                \
	X(EDT_NOBTF, "kernel BTF is not available")                            \
	/* program representation, ELF, link, typing */                       \
	X(EDT_BADPROG, "malformed program")                                    \
	X(EDT_BADELF, "malformed ELF program file")                            \
	X(EDT_LINK, "program link failed")                                     \
	X(EDT_TYPING, "DIF type inference failed")                             \
	X(EDT_MISMATCH, "linked program differs from the host's compilation")   \
	/* DIF verifier and engine */                                          \
	X(EDT_DIFINVAL, "DIF program failed verification")                     \
	X(EDT_DIFFAULT, "DIF program fault")                                   \
	X(EDT_BUFTOOSMALL, "buffer too small")                                 \
	X(EDT_BADOPT, "invalid option")                                        \
	X(EDT_BADOPTVAL, "invalid option value")                               \
	X(EDT_DESTRUCTIVE, "destructive actions not allowed")                  \
	/* providers */                                                        \
	X(EDT_NOPROBE, "no probe matches the description")                     \
	X(EDT_PROVIDER, "probe provider failure")                              \
	/* daemon and wire protocol */                                         \
	X(EDT_PROTO, "malformed protocol frame")                               \
	X(EDT_PEER, "peer failure")                                            \
	/* guest channel */                                                    \
	X(EDT_GUEST, "guest channel failure")                                  \
	X(EDT_GUESTADDR, "guest address outside the guest's memory")

#define EDT_BASE 1000

enum dt_errno {
#define DT_ERRTAB_ENUM(code, msg) code,
	EDT_FIRST = EDT_BASE - 1,
	DT_ERRTAB(DT_ERRTAB_ENUM)
#undef DT_ERRTAB_ENUM
		EDT_MAX
};

/* The message for an error code from the table above, or for errno values
 * (codes below EDT_BASE are strerror()'s). */
const char *dt_errmsg(int err);

#endif /* DT_ERROR_H */
