BEGIN
{
	s = strjoin("foo", "bar");
	trace(strlen(s));
	trace(substr(s, 1, 2));
	trace(s == "foobar");
	trace(s < "zzz");
	trace(execname);
	trace(probefunc);
	exit(0);
}
