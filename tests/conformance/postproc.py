# Output filters standing in for the upstream dtrace-utils X.r.p
# postprocessors, which are not shipped with the conformance data. Each one
# is applied, as runtest.sh does, to stdout + "-- @@stderr --" + stderr before
# the {ptr} / BPF pc normalisation, and does what the upstream filter for that
# test is meant to do (rewritten here, not copied). A filter that rejects the
# output raises PostprocError: the test then fails.
"""Per-test output filters for dtrace-utils tests that need one."""

import re

DU = 'dtrace-utils/test/unittest/'


class PostprocError(Exception):
    pass


def _lines(data):
    text = data.decode('utf-8', 'surrogateescape')
    lines = text.split('\n')
    return lines


def _join(lines):
    return '\n'.join(lines).encode('utf-8', 'surrogateescape')


def goodkey(data):
    # Seven fields a line, the count (last) must be 1; numbers are not
    # compared, and the first column (the key) is dropped.
    out = []
    lines = _lines(data)
    for line in lines:
        f = line.split()
        if not f:
            continue
        if len(f) != 7:
            raise PostprocError('expected 7 fields: %r' % line)
        if f[6] != '1':
            raise PostprocError('last column expected to be 1')
        line = re.sub(r' -?[0-9]+', ' number ', line)
        f = line.split()
        out.append(' '.join(f[1:6]))
    return _join(out + [''])


def cpu_number(data):
    # Which CPU dropped data varies.
    return re.sub(rb'CPU [0-9]+', b'CPU #', data)


def strip_digits(data):
    # $pgid varies from run to run.
    return re.sub(rb'[0-9]', b'', data)


def keep_address(data):
    # The faulting address is part of what is checked: keep it from being
    # turned into {ptr} by dropping the first 0x on each line.
    return b'\n'.join(l.replace(b'0x', b'', 1) for l in data.split(b'\n'))


def ldpath(data):
    # The shell's wording for a missing linker varies.
    return _join(['sh: /nonexistent/ld: No such file or directory'
                  if re.search(r': /nonexistent/ld:', l) else l
                  for l in _lines(data)])


def ctf_wording(data):
    # CTF libraries word a few type errors differently; map the variants to
    # the one the .r files hold.
    out = []
    for l in _lines(data):
        l = l.replace('Duplicate member, enumerator, or variable name',
                      'Duplicate member or variable name')
        l = re.sub(r'(Duplicate member or variable name|'
                   r'Member name not found)\.$', r'\1', l)
        l = l.replace('enum union pirate:', 'enum struct pirate:')
        l = l.replace('Invalid member name', 'Member name not found')
        out.append(l)
    return _join(out)


FILTERS = {
    DU + 'aggs/tst.goodkey.d': goodkey,
    DU + 'drops/drp.DTRACEDROP_PRINCIPAL.d': cpu_number,
    DU + 'drops/drp.DTRACEDROP_PRINCIPAL.end.d': cpu_number,
    DU + 'scripting/tst.pgid.d': strip_digits,
    DU + 'codegen/err.deref_0.d': keep_address,
    DU + 'codegen/err.deref_1.d': keep_address,
    DU + 'codegen/err.deref_i0.d': keep_address,
    DU + 'codegen/err.deref_i1.d': keep_address,
    DU + 'codegen/err.deref_string-gvar.d': keep_address,
    DU + 'codegen/err.deref_string-lvar.d': keep_address,
    DU + 'codegen/err.deref_string-tvar.d': keep_address,
    DU + 'options/err.ldpath.d': ldpath,
    DU + 'enum/err.D_UNKNOWN.RepeatIdentifiers.d': ctf_wording,
    DU + 'offsetof/err.D_UNKNOWN.OffsetofNULL.d': ctf_wording,
    DU + 'types/err.D_UNKNOWN.dupstruct.d': ctf_wording,
    DU + 'union/err.D_DECL_INCOMPLETE.circular.d': ctf_wording,
}
