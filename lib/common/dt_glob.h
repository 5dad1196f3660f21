/* dt_glob.h: probe-description globbing, shared by every layer that matches
 * probe names, guest targets and listings. */
#ifndef DT_GLOB_H
#define DT_GLOB_H

/* 1 when s matches the glob pat (fnmatch(3): * ? [...] and \ escapes);
 * an empty or NULL pattern matches everything, as in DTrace. */
int dt_glob_match(const char *pat, const char *s);

#endif /* DT_GLOB_H */
